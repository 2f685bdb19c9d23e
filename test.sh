#!/usr/bin/env bash
# Runs every TDB+ test (unit, integration, differential against redis-server 7).
# Installs what is missing first: redis-server and redis-tools (apt-get), NuGet packages (restore).
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need_apt+=(redis-tools)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} ..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  # The Debian package starts a system instance on 6379; the tests start their own on free ports.
  ($SUDO service redis-server stop || $SUDO systemctl stop redis-server) >/dev/null 2>&1 || true
fi

dotnet restore TdbPlus.sln
dotnet build TdbPlus.sln -c Release --no-restore
log=$(mktemp)
set +e
dotnet test TdbPlus.sln -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain summary line over all test projects.
awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
       }
     }
     END { gsub(",", "", p); printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
