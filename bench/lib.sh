# Shared helpers for the bench scripts: free ports, server start/stop, RSS and CPU readings.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
TDB_DLL="$ROOT/src/Server/bin/Release/net10.0/tdbplus.dll"
PIDS=()

# TDB+ writes its snapshots here (never into the working tree); removed on exit.
BENCH_DATA_DIR=$(mktemp -d)
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$BENCH_DATA_DIR"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

GARNET_VERSION=2.2.8
GARNET="$BENCH_DIR/.tools/garnet-$GARNET_VERSION/garnet-server"

# Garnet (Microsoft's C# server) as a dotnet tool in a local folder, for side-by-side runs.
install_garnet() {
  [ -x "$GARNET" ] && return 0
  dotnet tool install garnet-server --version "$GARNET_VERSION" --tool-path "$(dirname "$GARNET")" >/dev/null
}

build_tdb() { dotnet build "$ROOT/src/Server/TdbPlus.Server.csproj" -c Release -v q -nologo >/dev/null; }

wait_ping() {
  local port=$1
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ] && return 0
    sleep 0.1
  done
  echo "server on port $port did not start" >&2; return 1
}

# start_server NAME PORT [extra args...]; sets SERVER_PID
start_server() {
  local name=$1 port=$2; shift 2
  case "$name" in
    redis) redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no "$@" >/dev/null 2>&1 & ;;
    # Like redis-server above: no save rules (a BGSAVE mid-run would be measured), no log, and a data directory
    # of its own, so no dump.rdb is loaded from or left in the working directory.
    tdb) dotnet "$TDB_DLL" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$BENCH_DATA_DIR" "$@" >/dev/null 2>&1 & ;;
    garnet) "$GARNET" --port "$port" --bind 127.0.0.1 "$@" >/dev/null 2>&1 & ;;
  esac
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_ping "$port"
}

stop_server() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# utime+stime of a process in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
