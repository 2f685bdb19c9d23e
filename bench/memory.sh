#!/usr/bin/env bash
# RSS growth per key: 1M keys of 13-byte names ("key:" + 9 digits) and 64-byte values, loaded with
# redis-cli --pipe into redis-server, TDB+ and Garnet in the same run. With --populate, keys come from
# DEBUG POPULATE N instead (names key:N, values value:N; servers without DEBUG POPULATE are skipped).
# Each server gets one SET/DEL first so code paths are warm before the baseline is read.
# With --type hash|zset, N fields of one hash (HSET h field:<n> <8-byte value>) or N members of one sorted
# set (ZADD z <n> member:<n>) instead, per element.
# Usage: bench/memory.sh [--keys N] [--populate] [--type string|hash|zset] [--shards N] [--servers "..."]
source "$(dirname "$0")/lib.sh"
KEYS=1000000
POPULATE=0
TYPE=string
SERVERS=${SERVERS:-"redis tdb garnet"}
TDB_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) KEYS=$2; shift 2 ;;
    --shards) TDB_ARGS+=(--shards "$2"); shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --populate) POPULATE=1; shift ;;
    --type) TYPE=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
build_tdb
case " $SERVERS " in *" garnet "*) install_garnet ;; esac
data=$(mktemp)
[ "$POPULATE" = 1 ] || python3 - "$KEYS" "$TYPE" >"$data" <<'PY'
import sys
n = int(sys.argv[1]); kind = sys.argv[2]; out = sys.stdout.buffer
def cmd(*args):
    out.write(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
for i in range(n):
    if kind == "hash": cmd(b"HSET", b"h", b"field:%d" % i, b"%08d" % i)
    elif kind == "zset": cmd(b"ZADD", b"z", b"%d" % i, b"member:%d" % i)
    else: cmd(b"SET", b"key:%09d" % i, b"x" * 64)
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
