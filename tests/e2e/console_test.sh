#!/usr/bin/env bash
# The console in headless Chromium (Playwright, web/tests/console.spec.js) against `zhisuan serve` on port 0
# with the shipped network (simulated centers) and one local center (real processes), a tenant token, an operator token and a quota of 0 Ascend 910B
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

# The shipped network and one local center (real processes, as this test's own user: a single-user lab) in
# Beijing with a CPU model no shipped center has, so that a job asking for it runs here and writes real logs.
cp -r "$DATA" "$WORK/data"
cat >>"$WORK/data/centers.yaml" <<'YAML'
  - id: local-lab
    name: "北京本地实验室"
    name_en: "Local lab (test)"
    kind: general
    province: beijing
    city: "Beijing"
    published_compute: "test fixture"
    source: "zhisuan test fixture"
    pue: {value: 1.3, estimated: true, derivation: "test fixture"}
    green_share: {value: 0.0, estimated: true, derivation: "test fixture"}
    backend: local
    pools:
      - {accelerator: intel-xeon-8480plus-2s, devices: 4, source: "test fixture"}
YAML
cat >"$WORK/backends.yaml" <<CONF
allow_service_user: true  # a single-user lab; tests/e2e/hostile.py runs jobs as tenants' users
centers:
  local-lab: {root: $WORK/local}
CONF
Z() { "$ZHISUAN" --db "$WORK/z.db" --data "$WORK/data" "$@"; }
# The binary itself in the background (not the function Z, whose subshell a kill would leave the server of).
"$ZHISUAN" --db "$WORK/z.db" --data "$WORK/data" serve --port 0 --web "$WEB" --sim-factor 0.0005 \
  --backends "$WORK/backends.yaml" >"$WORK/out" 2>"$WORK/err" &
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
