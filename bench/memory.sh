#!/usr/bin/env bash
# RSS growth per key: 1M keys of 13-byte names ("key:" + 9 digits) and 64-byte values, loaded with
# redis-cli --pipe into redis-server, TDB+ and Garnet in the same run. With --populate, keys come from
# DEBUG POPULATE N instead (names key:N, values value:N; servers without DEBUG POPULATE are skipped).
# Each server gets one SET/DEL first so code paths are warm before the baseline is read.
# Usage: bench/memory.sh [--keys N] [--populate] [--shards N] [--servers "redis tdb garnet"]
source "$(dirname "$0")/lib.sh"
KEYS=1000000
POPULATE=0
SERVERS=${SERVERS:-"redis tdb garnet"}
TDB_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) KEYS=$2; shift 2 ;;
    --shards) TDB_ARGS+=(--shards "$2"); shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --populate) POPULATE=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
build_tdb
case " $SERVERS " in *" garnet "*) install_garnet ;; esac
data=$(mktemp)
[ "$POPULATE" = 1 ] || python3 - "$KEYS" >"$data" <<'PY'
import sys
n = int(sys.argv[1]); v = b"x" * 64; out = sys.stdout.buffer
for i in range(n):
    k = b"key:%09d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$13\r\n" + k + b"\r\n$64\r\n" + v + b"\r\n")
PY
printf "%-8s %10s %12s %12s %14s %16s\n" server keys rss_before_kb rss_after_kb bytes_per_key used_memory_per_key
for server in $SERVERS; do
  port=$(free_port)
  if [ "$server" = tdb ]; then start_server tdb "$port" "${TDB_ARGS[@]}";
  elif [ "$server" = redis ]; then start_server redis "$port" --enable-debug-command yes;
  else start_server "$server" "$port"; fi
  pid=$SERVER_PID
  redis-cli -p "$port" set warmup:key warmup >/dev/null; redis-cli -p "$port" del warmup:key >/dev/null
  sleep 1
  before=$(rss_kb "$pid")
  used_before=$(redis-cli -p "$port" info memory | awk -F: '/^used_memory:/ {print $2+0}')
  if [ "$POPULATE" = 1 ]; then
    if ! redis-cli -p "$port" debug populate "$KEYS" | grep -q OK; then
      echo "$server: no DEBUG POPULATE, skipped"; stop_server "$pid"; continue
    fi
  else
    redis-cli -p "$port" --pipe <"$data" >/dev/null
  fi
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
