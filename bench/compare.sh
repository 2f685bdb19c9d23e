#!/usr/bin/env bash
# Side-by-side throughput: redis-benchmark against redis-server, TDB+ and Garnet in one run, interleaved.
# SET and GET, 50 clients, 64-byte values, keys from -r 1000000, pipelines of 1 and 16; medians over
# rounds; req/cpu-s = requests per second of server CPU time (utime+stime from /proc).
# Each measurement starts a fresh server, so by default SET grows a new keyspace (at most the -n keys it draws)
# and GET reads one loaded with as many SETs. With --warm, every server first gets 3M SETs over the 1M key
# space (about 95% of it present), so both tests run against a full, steady keyspace.
# Usage: bench/compare.sh [--requests N] [--shards N] [--rounds R] [--servers "redis tdb garnet"] [--warm]
source "$(dirname "$0")/lib.sh"
REQUESTS=${REQUESTS:-500000}
SERVERS=${SERVERS:-"redis tdb garnet"}
ROUNDS=${ROUNDS:-1}
WARM=0
TDB_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) REQUESTS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --shards) TDB_ARGS+=(--shards "$2"); shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --warm) WARM=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v redis-benchmark >/dev/null || { echo "redis-benchmark missing: apt-get install redis-tools" >&2; exit 1; }
build_tdb
case " $SERVERS " in *" garnet "*) install_garnet ;; esac

declare -A RPS P50 P99 CPU
run_one() { # server pipeline test round
  local server=$1 pipeline=$2 test=$3 port pid n t0 t1 line
  port=$(free_port)
  if [ "$server" = tdb ]; then start_server tdb "$port" "${TDB_ARGS[@]}"; else start_server "$server" "$port"; fi
  pid=$SERVER_PID
  n=$REQUESTS; [ "$pipeline" = 1 ] && n=$((REQUESTS / 4))
  # GET needs data: load keys first with the same key space (all of it with --warm, for both tests).
  if [ "$WARM" = 1 ]; then redis-benchmark -p "$port" -t set -n 3000000 -r 1000000 -d 64 -c 50 -P 16 -q >/dev/null
  elif [ "$test" = get ]; then redis-benchmark -p "$port" -t set -n "$REQUESTS" -r 1000000 -d 64 -c 50 -P 16 -q >/dev/null
  fi
  t0=$(cpu_ticks "$pid")
  line=$(redis-benchmark -p "$port" -t "$test" -n "$n" -r 1000000 -d 64 -c 50 -P "$pipeline" --csv | tail -1)
  t1=$(cpu_ticks "$pid")
  stop_server "$pid"
  # "test","rps","avg","min","p50","p95","p99","max"
  IFS=, read -r _ rps _ _ p50 _ p99 _ <<<"$(echo "$line" | tr -d '"')"
  local k="$server/$pipeline/$test"
  RPS[$k]="${RPS[$k]:-} $rps"; P50[$k]="${P50[$k]:-} $p50"; P99[$k]="${P99[$k]:-} $p99"
  local hz; hz=$(getconf CLK_TCK)
  CPU[$k]="${CPU[$k]:-} $(awk -v n="$n" -v d=$((t1 - t0)) -v hz="$hz" 'BEGIN { s = d / hz; printf "%.0f", (s > 0 ? n / s : 0) }')"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for round in $(seq 1 "$ROUNDS"); do
  for pipeline in 1 16; do
    for test in set get; do
      for server in $SERVERS; do run_one "$server" "$pipeline" "$test"; done
    done
  done
done

printf "%-8s %-4s %-10s %12s %8s %8s %14s %8s\n" test P server "req/s" p50_ms p99_ms "req/cpu-s" ratio
for pipeline in 1 16; do
  for test in set get; do
    r_rps=$(echo "${RPS[redis/$pipeline/$test]}" | median)
    for server in $SERVERS; do
      k="$server/$pipeline/$test"
      rps=$(echo "${RPS[$k]}" | median); p50=$(echo "${P50[$k]}" | median); p99=$(echo "${P99[$k]}" | median)
      cpu=$(echo "${CPU[$k]}" | median)
      ratio=$(awk -v a="$rps" -v b="$r_rps" 'BEGIN { printf "%.2f", a / b }')
      printf "%-8s %-4s %-10s %12s %8s %8s %14s %8s\n" "${test^^}" "$pipeline" "$server" "$rps" "$p50" "$p99" "$cpu" "${ratio}x"
    done
  done
done
