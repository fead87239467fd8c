#!/usr/bin/env bash
# Runs every test of the solution and ends with the runner's summary.
# PostgreSQL cases run when SCHOOLBEL_TEST_POSTGRES holds a connection string (see README);
# browser tests run when /usr/bin/chromium exists. .ci/run sets both up and makes them required.
set -uo pipefail
cd "$(dirname "$0")"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# One test project at a time: the browser and timing tests share a 2-core machine with the
# integration tests otherwise, and password hashing (deliberately at low OS priority) then
# starves behind them.
dotnet test --solution Schoolbel.slnx --max-parallel-test-modules 1 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One plain closing line that any reader understands, summed over all test projects.
awk '
  /^  total:/     { total += $2 }
  /^  failed:/    { failed += $2 }
  /^  succeeded:/ { passed += $2 }
  /^  skipped:/   { skipped += $2 }
  END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$log"
exit "$status"
