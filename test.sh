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

bull_passed=0
bull_failed=0
# BullMQ end to end (Node.js): 10,000 jobs through a TDB+ started by the test (the Release build above).
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  set +e
  (
    cd tests/bullmq
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi &&
      node --test --test-timeout=120000 bullmq.test.mjs
  )
  bull=$?
  set -e
  if [ "$bull" -ne 0 ]; then echo "bullmq test: FAILED"; status=1; bull_failed=1; else echo "bullmq test: passed"; bull_passed=1; fi
else
  echo "bullmq test: FAILED: node and npm are required (Node.js 20+) to run tests/bullmq" >&2
  status=1
  bull_failed=1
fi

# One plain summary line over all test projects.
awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
       }
     }
     END { gsub(",", "", p); p += bp; f += bf; printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' bp="$bull_passed" bf="$bull_failed" "$log"
rm -f "$log"

exit "$status"
