#!/usr/bin/env bash
# Snapshots, TDB+ next to redis-server in one run, on the same dataset: N keys named key:<12 digits> (the names
# redis-benchmark -r uses) with 64-byte values.
#  - SAVE: seconds, MB/s and keys/s of the file written.
#  - load: "DB loaded from disk" seconds from each server's log after a restart on its own dump, MB/s, keys/s.
#  - BGSAVE under a steady write load (redis-benchmark SET over the same keys, -P 16): the extra memory at the
#    peak of the save over the RSS just before it. For redis that is the parent's RSS growth plus the forked
#    child's private dirty pages (copy-on-write), sampled every 10 ms; for TDB+ the process's RSS growth.
# Usage: bench/persistence.sh [--keys N] [--servers "redis tdb"]
source "$(dirname "$0")/lib.sh"
KEYS=1000000
SERVERS="redis tdb"
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) KEYS=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
build_tdb
data=$(mktemp)
python3 - "$KEYS" >"$data" <<'PY'
import sys
n = int(sys.argv[1]); out = sys.stdout.buffer
for i in range(n):
    k = b"key:%012d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$64\r\n%s\r\n" % (len(k), k, b"v" * 64))
PY

now() { date +%s.%N; }

# Extra bytes a save costs right now: RSS of the server (+ private dirty pages of a forked child).
footprint_kb() {
  local pid=$1 total child
  total=$(rss_kb "$pid")
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    total=$((total + $(awk '/^Private_Dirty/ {s += $2} END {print s + 0}' /proc/"$child"/smaps_rollup 2>/dev/null || echo 0)))
  done
  echo "$total"
}

bgsave_running() { redis-cli -p "$1" info persistence | tr -d '\r' | grep -q '^rdb_bgsave_in_progress:1'; }

printf "%-6s %8s %9s %8s %8s %10s %8s %8s %10s %12s %12s %8s\n" server keys file_MB save_s save_MB/s save_keys/s load_s load_MB/s load_keys/s dataset_MB bgsave_peak_MB peak_%
for server in $SERVERS; do
  dir=$(mktemp -d)
  port=$(free_port)
  args=(--dir "$dir" --logfile "$dir/server.log")
  start_server "$server" "$port" "${args[@]}"
  pid=$SERVER_PID
  rss0=$(rss_kb "$pid")
  redis-cli -p "$port" --pipe <"$data" >/dev/null
  dataset_kb=$(( $(rss_kb "$pid") - rss0 ))

  t0=$(now); redis-cli -p "$port" save >/dev/null; t1=$(now)
  save_s=$(echo "$t1 - $t0" | bc -l)
  file_bytes=$(stat -c %s "$dir/dump.rdb")

  redis-benchmark -p "$port" -t set -r "$KEYS" -d 64 -c 20 -P 16 -n 1000000000 -q >/dev/null 2>&1 &
  bench=$!
  sleep 2
  base=$(footprint_kb "$pid")
  redis-cli -p "$port" bgsave >/dev/null
  peak=$base
  while true; do
    f=$(footprint_kb "$pid"); [ "$f" -gt "$peak" ] && peak=$f
    bgsave_running "$port" || break
    sleep 0.01
  done
  kill "$bench" 2>/dev/null || true; wait "$bench" 2>/dev/null || true
  peak_kb=$((peak - base))

  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  wait "$pid" 2>/dev/null || true
  start_server "$server" "$port" "${args[@]}"
  load_s=$(grep -o 'DB loaded from disk: [0-9.]* seconds' "$dir/server.log" | tail -1 | awk '{print $5}')
  loaded=$(redis-cli -p "$port" dbsize)
  stop_server "$SERVER_PID"

  awk -v s="$server" -v k="$loaded" -v fb="$file_bytes" -v ss="$save_s" -v ls="$load_s" -v d="$dataset_kb" -v p="$peak_kb" 'BEGIN {
    mb = fb / 1048576;
    printf "%-6s %8d %9.1f %8.3f %8.1f %10.0f %8.3f %8.1f %10.0f %12.1f %12.1f %7.1f%%\n",
      s, k, mb, ss, mb / ss, k / ss, ls, mb / ls, k / ls, d / 1024, p / 1024, 100 * p / d }'
  rm -rf "$dir"
done
rm -f "$data"
