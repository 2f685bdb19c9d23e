#!/usr/bin/env bash
# SET throughput with the append-only log on: appendfsync everysec and always, TDB+ next to redis-server in
# the same run (each server on a fresh data directory, no save rules: the log alone). redis-benchmark -t set,
# 50 clients, 64-byte values, keys from -r 1000000, pipelines of 1 and 16; medians over rounds;
# ratio = TDB+ / redis-server.
# Usage: bench/aof.sh [--requests N] [--shards N] [--rounds R]
source "$(dirname "$0")/lib.sh"
REQUESTS=${REQUESTS:-200000}
ROUNDS=${ROUNDS:-1}
TDB_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) REQUESTS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --shards) TDB_ARGS+=(--shards "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v redis-benchmark >/dev/null || { echo "redis-benchmark missing: apt-get install redis-tools" >&2; exit 1; }
build_tdb
DATA=$(mktemp -d /tmp/tdb-aof-bench.XXXXXX)
trap 'cleanup; rm -rf "$DATA"' EXIT

declare -A RPS P50 P99 SIZE
run_one() { # server fsync pipeline
  local server=$1 fsync=$2 pipeline=$3 port pid n dir line
  port=$(free_port)
  dir=$(mktemp -d "$DATA/$server-$fsync-$pipeline.XXXX")
  if [ "$server" = tdb ]; then
    start_server tdb "$port" --dir "$dir" --save "" --appendonly yes --appendfsync "$fsync" "${TDB_ARGS[@]}"
  else
    start_server redis "$port" --dir "$dir" --appendonly yes --appendfsync "$fsync"
  fi
  pid=$SERVER_PID
  n=$REQUESTS; [ "$pipeline" = 1 ] && n=$((REQUESTS / 4))
  line=$(redis-benchmark -p "$port" -t set -n "$n" -r 1000000 -d 64 -c 50 -P "$pipeline" --csv | tail -1)
  local size; size=$(redis-cli -p "$port" info persistence | tr -d '\r' | awk -F: '/^aof_current_size/ {print $2}')
  stop_server "$pid"
  IFS=, read -r _ rps _ _ p50 _ p99 _ <<<"$(echo "$line" | tr -d '"')"
  local k="$server/$fsync/$pipeline"
  RPS[$k]="${RPS[$k]:-} $rps"; P50[$k]="${P50[$k]:-} $p50"; P99[$k]="${P99[$k]:-} $p99"; SIZE[$k]="${SIZE[$k]:-} $size"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for round in $(seq 1 "$ROUNDS"); do
  for fsync in everysec always; do
    for pipeline in 1 16; do
      for server in redis tdb; do run_one "$server" "$fsync" "$pipeline"; done
    done
  done
done

printf "%-9s %-4s %-7s %12s %8s %8s %14s %8s\n" fsync P server "SET req/s" p50_ms p99_ms aof_bytes ratio
for fsync in everysec always; do
  for pipeline in 1 16; do
    r_rps=$(echo "${RPS[redis/$fsync/$pipeline]}" | median)
    for server in redis tdb; do
      k="$server/$fsync/$pipeline"
      rps=$(echo "${RPS[$k]}" | median); p50=$(echo "${P50[$k]}" | median); p99=$(echo "${P99[$k]}" | median)
      size=$(echo "${SIZE[$k]}" | median)
      ratio=$(awk -v a="$rps" -v b="$r_rps" 'BEGIN { printf "%.2f", a / b }')
      printf "%-9s %-4s %-7s %12s %8s %8s %14s %8s\n" "$fsync" "$pipeline" "$server" "$rps" "$p50" "$p99" "$size" "${ratio}x"
    done
  done
done
