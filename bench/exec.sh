#!/usr/bin/env bash
# MULTI/EXEC throughput: redis-server and TDB+ in the same run.
#   bench/exec.sh [transactions] [clients]
# Each transaction is MULTI, SET a x, SET b y, EXEC (a and b on different TDB+ shards), sent in one write per
# connection by bench/exec_load.py (redis-benchmark sends one command per request, so it cannot express it).
# Prints transactions/s per server and the TDB+/Redis ratio.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-200000}
C=${2:-50}

build_tdb
RPORT=$(free_port); start_server redis "$RPORT"; RPID=$SERVER_PID
TPORT=$(free_port); start_server tdb "$TPORT"; TPID=$SERVER_PID

python3 "$BENCH_DIR/exec_load.py" "$TPORT" 5000 "$C" >/dev/null # warm-up (JIT)
r=$(python3 "$BENCH_DIR/exec_load.py" "$RPORT" "$N" "$C")
t=$(python3 "$BENCH_DIR/exec_load.py" "$TPORT" "$N" "$C")
printf '%-22s %14s %14s %8s\n' "transaction" "redis tx/s" "tdb+ tx/s" "ratio"
printf '%-22s %14.0f %14.0f %8.2f\n' "MULTI SET SET EXEC" "$r" "$t" "$(echo "$t / $r" | bc -l)"
stop_server "$RPID"; stop_server "$TPID"
