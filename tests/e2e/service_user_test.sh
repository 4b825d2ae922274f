#!/usr/bin/env bash
# The server as a service user, never root (issue 12): `zhisuan serve` runs as an unprivileged user that owns the
# database, and starts local jobs as tenants' users through zhisuan-runner installed as docs/jobs.md says (root's,
# executable by the service's group only, with file capabilities to set the job's user, give it its directory
# and signal it). Checks: the server's uid; the database is the service's alone; a tenant's job runs as its
# mapped user and can neither read the database nor write the service's files; cancel ends it; a runner
# installed without the capabilities fails the job with a reason the tenant can read.
# Usage: service_user_test.sh PATH/TO/zhisuan PATH/TO/zhisuan-runner PATH/TO/data
set -u
ZHISUAN=$1
RUNNER=$2
DATA=$3
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (useradd, setcap)"; exit 0; fi
WORK=$(mktemp -d /tmp/zhisuan-svc.XXXXXX)
chmod 755 "$WORK"
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && { kill -9 "$SERVER_PID"; wait "$SERVER_PID"; } 2>/dev/null
  pkill -u zstest-a -f "sleep 301" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

. "$HERE/lib.sh"

for u in zstest-svc zstest-a; do
  id -u "$u" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$u"
done
SVC_UID=$(id -u zstest-svc)
A_UID=$(id -u zstest-a)
mkdir -p "$WORK/bin" "$WORK/state"
chown zstest-svc:zstest-svc "$WORK/state"
chmod 711 "$WORK/state"  # others pass through to their jobs' work/ directories, and read nothing
install -o root -g zstest-svc -m 0750 "$RUNNER" "$WORK/bin/zhisuan-runner"
if ! setcap cap_setuid,cap_setgid,cap_chown,cap_kill=ep "$WORK/bin/zhisuan-runner" 2>/dev/null; then
  echo "SKIP: this filesystem keeps no file capabilities"
  exit 0
fi
install -o root -g zstest-svc -m 0750 "$RUNNER" "$WORK/bin/plain-runner"  # the same, without capabilities
cp -r "$DATA" "$WORK/data"
cp "$HERE/hostile/centers.yaml" "$WORK/data/centers.yaml"
DB="$WORK/state/z.db"
backends() {  # backends RUNNER
  cat >"$WORK/backends.yaml" <<CONF
runner: $1
centers:
  local-lab: {root: $WORK/state/local}
tenants:
  acme: {user: zstest-a}
CONF
}
AS_SVC=(setpriv --reuid=zstest-svc --regid=zstest-svc --init-groups --)
ACME=$("${AS_SVC[@]}" "$ZHISUAN" --db "$DB" --data "$WORK/data" token create --tenant acme 2>/dev/null)
start_server() {
  "${AS_SVC[@]}" "$ZHISUAN" --db "$DB" --data "$WORK/data" serve --port 0 --backends "$WORK/backends.yaml" \
    >"$WORK/serve.out" 2>>"$WORK/serve.err" &
  SERVER_PID=$!
  wait_for_url "$WORK/serve.out"
}
submit() {  # submit SHELL-COMMAND -> job id on stdout
  curl -s -X POST -H "Authorization: Bearer $ACME" -H 'Content-Type: application/json' \
    --data-binary "$(jq -nc --arg c "$1" '{kind: "batch", devices: 1, accelerator: {models: ["kunpeng-920-7260-2s"]},
      work: {reference_hours: 0.01, reference: "kunpeng-920-7260-2s"}, residency: {provinces: ["beijing"]},
      walltime_h: 0.5, command: ["/bin/sh", "-c", $c]}')" "$URL/api/v1/jobs" | jq -r .id
}
wait_state() {  # wait_state ID STATE...
  local id=$1; shift
  for _ in $(seq 1 300); do
    state=$(curl -s -H "Authorization: Bearer $ACME" "$URL/api/v1/jobs/$id" | jq -r .state)
    for s in "$@"; do [ "$state" = "$s" ] && return 0; done
    sleep 0.1
  done
  echo "  job $id is $state"; curl -s -H "Authorization: Bearer $ACME" "$URL/api/v1/jobs/$id" | jq -c "{message, history: [.history[].detail]}"; logs "$id" | head -5
  return 1
}
logs() { curl -s -H "Authorization: Bearer $ACME" "$URL/api/v1/jobs/$1/logs"; }

backends "$WORK/bin/zhisuan-runner"
check "the server starts as the service user" start_server
check "its uid is the service user's ($SVC_UID), not root" \
  bash -c "grep -qE '^Uid:\s+$SVC_UID\s' /proc/$SERVER_PID/status"
check "the database is the service's alone (0600)" test "$(stat -c '%U %a' "$DB")" = "zstest-svc 600"

id1=$(submit "id -u; cat $DB >/dev/null 2>&1 && echo READ-THE-DB; touch $WORK/state/evil 2>/dev/null && echo WROTE; exit 0")
check "a tenant's job runs to the end" wait_state "$id1" succeeded
logs "$id1" >"$WORK/logs1"
check "it ran as the tenant's user ($A_UID)" grep -qx "$A_UID" "$WORK/logs1"
check "it could not read the database" bash -c "! grep -q READ-THE-DB $WORK/logs1"
check "it could not write the service's directory" test ! -e "$WORK/state/evil"

id2=$(submit "sleep 301")
check "a long job starts" wait_state "$id2" running
for _ in $(seq 1 50); do pgrep -u zstest-a -f "sleep 301" >/dev/null && break; sleep 0.1; done
check "its process is the tenant's" bash -c "pgrep -u zstest-a -f 'sleep 301' >/dev/null"
curl -s -X DELETE -H "Authorization: Bearer $ACME" "$URL/api/v1/jobs/$id2" >/dev/null
check "cancel ends it" wait_state "$id2" cancelled
for _ in $(seq 1 50); do pgrep -u zstest-a -f "sleep 301" >/dev/null || break; sleep 0.1; done
check "no process of it is left" bash -c "! pgrep -u zstest-a -f 'sleep 301'"

kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
backends "$WORK/bin/plain-runner"
start_server
id3=$(submit "id -u")
check "with a runner installed without capabilities the job fails" wait_state "$id3" failed
check "and its logs say why" bash -c "curl -s -H 'Authorization: Bearer $ACME' '$URL/api/v1/jobs/$id3/logs' | grep -q 'file capabilities'"

echo "service user: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
