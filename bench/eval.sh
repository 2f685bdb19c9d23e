#!/usr/bin/env bash
# EVAL / EVALSHA throughput: redis-benchmark against redis-server and TDB+ in the same run.
#   bench/eval.sh [requests] [clients] [pipeline]
# Prints req/s per server and the TDB+/Redis ratio for
#   EVAL "return redis.call('GET', KEYS[1])" 1 key
#   EVALSHA <sha of: redis.call('INCR', KEYS[1]); return redis.call('EXPIRE', KEYS[1], 100)> 1 counter
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-100000}
C=${2:-50}
P=${3:-1}
GET_SCRIPT="return redis.call('GET', KEYS[1])"
INCR_SCRIPT="redis.call('INCR', KEYS[1]); return redis.call('EXPIRE', KEYS[1], 100)"

build_tdb
RPORT=$(free_port); start_server redis "$RPORT"; RPID=$SERVER_PID
TPORT=$(free_port); start_server tdb "$TPORT"; TPID=$SERVER_PID

rps() { # port, args...: requests per second of one redis-benchmark run
  local port=$1; shift
  redis-benchmark -p "$port" -n "$N" -c "$C" -P "$P" -q "$@" 2>/dev/null | tr '\r' '\n' | sed -n 's/.* \([0-9.]*\) requests per second.*/\1/p' | tail -1
}

printf '%-10s %14s %14s %8s\n' "command" "redis req/s" "tdb+ req/s" "ratio"
for port in "$RPORT" "$TPORT"; do redis-cli -p "$port" set key value >/dev/null; done
r=$(rps "$RPORT" EVAL "$GET_SCRIPT" 1 key); t=$(rps "$TPORT" EVAL "$GET_SCRIPT" 1 key)
printf '%-10s %14.0f %14.0f %8.2f\n' EVAL "$r" "$t" "$(echo "$t / $r" | bc -l)"
SHA=$(redis-cli -p "$RPORT" script load "$INCR_SCRIPT")
[ "$(redis-cli -p "$TPORT" script load "$INCR_SCRIPT")" = "$SHA" ] || { echo "sha mismatch" >&2; exit 1; }
r=$(rps "$RPORT" EVALSHA "$SHA" 1 counter); t=$(rps "$TPORT" EVALSHA "$SHA" 1 counter)
printf '%-10s %14.0f %14.0f %8.2f\n' EVALSHA "$r" "$t" "$(echo "$t / $r" | bc -l)"
stop_server "$RPID"; stop_server "$TPID"
