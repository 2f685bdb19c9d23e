#!/usr/bin/env bash
# RSS growth per key: 1M keys of 13-byte names ("key:" + 9 digits) and 64-byte values, loaded with
# redis-cli --pipe into redis-server, TDB+ and Garnet in the same run.
# Usage: bench/memory.sh [--keys N] [--shards N] [--servers "redis tdb garnet"]
source "$(dirname "$0")/lib.sh"
KEYS=1000000
SERVERS=${SERVERS:-"redis tdb garnet"}
TDB_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) KEYS=$2; shift 2 ;;
    --shards) TDB_ARGS+=(--shards "$2"); shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
build_tdb
case " $SERVERS " in *" garnet "*) install_garnet ;; esac
data=$(mktemp)
python3 - "$KEYS" >"$data" <<'PY'
import sys
n = int(sys.argv[1]); v = b"x" * 64; out = sys.stdout.buffer
for i in range(n):
    k = b"key:%09d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$13\r\n" + k + b"\r\n$64\r\n" + v + b"\r\n")
PY
printf "%-8s %10s %12s %12s %14s %16s\n" server keys rss_before_kb rss_after_kb bytes_per_key used_memory_per_key
for server in $SERVERS; do
  port=$(free_port)
  if [ "$server" = tdb ]; then start_server tdb "$port" "${TDB_ARGS[@]}"; else start_server "$server" "$port"; fi
  pid=$SERVER_PID
  sleep 1
  before=$(rss_kb "$pid")
  used_before=$(redis-cli -p "$port" info memory | awk -F: '/^used_memory:/ {print $2+0}')
  redis-cli -p "$port" --pipe <"$data" >/dev/null
  sleep 2
  after=$(rss_kb "$pid")
  used_after=$(redis-cli -p "$port" info memory | awk -F: '/^used_memory:/ {print $2+0}')
  dbsize=$(redis-cli -p "$port" dbsize)
  printf "%-8s %10s %12s %12s %14.1f %16.1f\n" "$server" "$dbsize" "$before" "$after" \
    "$(awk -v a="$after" -v b="$before" -v n="$KEYS" 'BEGIN { print (a - b) * 1024 / n }')" \
    "$(awk -v a="${used_after:-0}" -v b="${used_before:-0}" -v n="$KEYS" 'BEGIN { print (a - b) / n }')"
  stop_server "$pid"
done
rm -f "$data"
