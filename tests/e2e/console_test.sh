#!/usr/bin/env bash
# The console in headless Chromium (Playwright, web/tests/console.spec.js) against `zhisuan serve` on port 0
# with the shipped network (simulated centers), a tenant token, an operator token and a quota of 0 Ascend 910B
# for the tenant (so that a job waits, and says why).
# Usage: console_test.sh PATH/TO/zhisuan PATH/TO/data
set -u
ZHISUAN=$1
DATA=$2
WEB=$(cd "$(dirname "$0")/../../web" && pwd)
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

Z() { "$ZHISUAN" --db "$WORK/z.db" --data "$DATA" "$@"; }
# The binary itself in the background (not the function Z, whose subshell a kill would leave the server of).
"$ZHISUAN" --db "$WORK/z.db" --data "$DATA" serve --port 0 --web "$WEB" --sim-factor 0.0005 >"$WORK/out" 2>"$WORK/err" &
SERVER_PID=$!
wait_for_url "$WORK/out" || { echo "FAIL the server did not start"; cat "$WORK/err"; exit 1; }
ZHISUAN_TENANT_TOKEN=$(Z token create --tenant lab-a 2>/dev/null)
ZHISUAN_OPERATOR_TOKEN=$(Z token create --tenant ops --role operator 2>/dev/null)
ZHISUAN_OTHER_TOKEN=$(Z token create --tenant lab-b 2>/dev/null)
Z quota set --tenant lab-a --accelerator huawei-ascend-910b --max 0 >/dev/null
sleep 2.2  # the server reloads quotas every 2 s
export ZHISUAN_URL=$URL ZHISUAN_TENANT_TOKEN ZHISUAN_OPERATOR_TOKEN ZHISUAN_OTHER_TOKEN
(cd "$WEB" && node_modules/.bin/playwright test 2>&1)
rc=$?
check "the console's browser tests pass" test $rc -eq 0
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
