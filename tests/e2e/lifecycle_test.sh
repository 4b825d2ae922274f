#!/usr/bin/env bash
# The job lifecycle end to end through HTTP on loopback, on real engines: three single-node Slurm clusters (the CTest
# fixture starts them; ZHISUAN_SLURM_DIR), a local center and a simulated one. Checks: 50 mixed jobs finish on the
# right backends with consistent accounting; idempotent submission; tenant isolation; cancel on every backend; a
# kill -9 of the server with jobs queued, dispatched and running, after which every job has run exactly once; a
# Slurm cluster that goes down has its jobs placed elsewhere.
# Usage: lifecycle_test.sh PATH/TO/zhisuan PATH/TO/data
set -u
ZHISUAN=$1
DATA=$2
SLURM=${ZHISUAN_SLURM_DIR:?run through ctest: the slurm fixture sets ZHISUAN_SLURM_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/zhisuan-lifecycle.XXXXXX)
chmod 755 "$WORK"
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; pkill -f "$WORK/local" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

. "$HERE/lib.sh"

# A data directory with the test centers, and where their backends are.
cp -r "$DATA" "$WORK/data"
cp "$HERE/lifecycle/centers.yaml" "$WORK/data/centers.yaml"
cat >"$WORK/backends.yaml" <<CONF
sim_factor: 0.0002
allow_service_user: true  # this test is a single-user lab; tests/e2e/hostile.py runs jobs as tenants' users
centers:
  slurm-east: {slurm_conf: $SLURM/east/slurm.conf, spool: $SLURM/east/jobs, jobcomp: $SLURM/east/jobcomp.txt}
  slurm-west: {slurm_conf: $SLURM/west/slurm.conf, spool: $SLURM/west/jobs, jobcomp: $SLURM/west/jobcomp.txt}
  slurm-south: {slurm_conf: $SLURM/south/slurm.conf, spool: $SLURM/south/jobs, jobcomp: $SLURM/south/jobcomp.txt}
  local-lab: {root: $WORK/local}
CONF
DB="$WORK/z.db"
Z() { "$ZHISUAN" --db "$DB" --data "$WORK/data" "$@"; }
OPS=$(Z token create --tenant ops --role operator 2>/dev/null)
ACME=$(Z token create --tenant acme 2>/dev/null)
ZETA=$(Z token create --tenant zeta 2>/dev/null)
check "tokens are created" test -n "$OPS" -a -n "$ACME" -a -n "$ZETA"

start_server() {
  # The binary itself in the background (not a shell function, whose subshell would take the signals).
  "$ZHISUAN" --db "$DB" --data "$WORK/data" serve --port 0 --backends "$WORK/backends.yaml" \
    >"$WORK/serve.out" 2>>"$WORK/serve.err" &
  SERVER_PID=$!
  wait_for_url "$WORK/serve.out"
}
api() {  # api TOKEN METHOD PATH [BODY] -> body on stdout, status in $WORK/status
  local token=$1 method=$2 path=$3 body=${4:-}
  if [ -n "$body" ]; then
    curl -s -o "$WORK/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' ${KEY:+-H "Idempotency-Key: $KEY"} --data-binary "$body" "$URL$path" >"$WORK/status"
  else
    # An empty body still carries Content-Length: 0, which the server requires of a POST.
    curl -s -o "$WORK/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token" \
      $([ "$method" = POST ] && echo "--data-binary @/dev/null") "$URL$path" >"$WORK/status"
  fi
  cat "$WORK/body"
}
status() { cat "$WORK/status"; }
# job PROVINCE DEVICES SHELL-COMMAND [MODEL] -> a JSON job spec
job() {
  local model=${4:-kunpeng-920-7260-2s}
  jq -nc --arg p "$1" --argjson d "$2" --arg c "$3" --arg m "$model" \
    '{kind: (if $m == "kunpeng-920-7260-2s" then "batch" else "train" end), devices: $d, accelerator: {models: [$m]}, work: {reference_hours: 0.01, reference: $m},
      residency: {provinces: [$p]}, walltime_h: 0.5} + (if $c == "" then {} else {command: ["/bin/sh", "-c", $c]} end)'
}
wait_terminal() {  # wait_terminal TOKEN ID... : until every job has ended (90 s at most)
  local token=$1; shift
  for _ in $(seq 1 900); do
    local open=0
    for id in "$@"; do
      state=$(api "$token" GET "/api/v1/jobs/$id" | jq -r .state)
      case "$state" in succeeded | failed | cancelled) ;; *) open=$((open + 1)) ;; esac
    done
    [ "$open" -eq 0 ] && return 0
    sleep 0.1
  done
  return 1
}
wait_state() {  # wait_state TOKEN ID STATE
  for _ in $(seq 1 600); do
    [ "$(api "$1" GET "/api/v1/jobs/$2" | jq -r .state)" = "$3" ] && return 0
    sleep 0.1
  done
  return 1
}

check "server starts with the test centers" start_server

# --- 50 jobs of mixed sizes on the right backends ------------------------------------------------------------
RAN="$WORK/ran.txt"
: >"$RAN"
chmod 666 "$RAN"
ids=()
targets=()
for i in $(seq 1 50); do
  case $((i % 4)) in
    0) prov=shanghai center=slurm-east backend=slurm ;;
    1) prov=gansu center=slurm-west backend=slurm ;;
    2) prov=beijing center=local-lab backend=local ;;
    3) prov=inner-mongolia center=sim-big backend=sim ;;
  esac
  if [ "$backend" = sim ]; then
    spec=$(job "$prov" $((8 * (1 + i % 3))) "" huawei-ascend-910b)
  else
    spec=$(job "$prov" $((1 + i % 2)) "echo mixed:$i:\$ZHISUAN_JOB_ID >> $RAN")
  fi
  id=$(api "$ACME" POST /api/v1/jobs "$spec" | jq -r .id)
  ids+=("$id")
  targets+=("$center:$backend")
done
check "50 jobs accepted" test "${#ids[@]}" -eq 50
check "the 50 jobs finish" wait_terminal "$ACME" "${ids[@]}"
right=0
accounted=0
for k in "${!ids[@]}"; do
  api "$ACME" GET "/api/v1/jobs/${ids[$k]}" >"$WORK/j.json"
  want=${targets[$k]}
  jqq --arg c "${want%%:*}" --arg b "${want##*:}" '.state == "succeeded" and .center == $c and .backend == $b' "$WORK/j.json" && right=$((right + 1))
  # device-hours = devices x hours (sim: the modelled hours), and the bill is that x the pool's price, in fen.
  jqq '.accounting.device_hours >= 0 and .accounting.price_fen >= 0 and
       (if .backend == "sim" then (.accounting.device_hours - .devices * .decision.run_h | fabs) < 0.01 * .accounting.device_hours + 1e-9
        else (.accounting.device_hours - .devices * (.finished_at - .started_at) / 3600 | fabs) < 1e-6 end) and
       ((.accounting.price_fen - (.accounting.device_hours * .decision.estimate.price_cny / (.devices * .decision.run_h) * 100 | round)) | fabs) <= 1' "$WORK/j.json" && accounted=$((accounted + 1)) ||
    [ "$accounted" -lt 0 ] || jq -c '{id, backend, devices, started_at, finished_at, accounting, run_h: .decision.run_h,
      est: .decision.estimate.price_cny}' "$WORK/j.json" | head -c 400
done
check "every job ran where its constraints send it, on that backend ($right/50)" test "$right" -eq 50
check "accounting: device-hours and the bill in fen agree with the price ($accounted/50)" test "$accounted" -eq 50
want_real=$(printf '%s\n' "${targets[@]}" | grep -vc ':sim$')
real_jobs=$(grep -c '^mixed:' "$RAN")
unique=$(cut -d: -f2 "$RAN" | sort -u | wc -l)
check "each real job ran exactly once ($real_jobs lines, $unique distinct, want $want_real)" test "$real_jobs" -eq "$want_real" -a "$unique" -eq "$want_real"
api "$OPS" GET "/api/v1/usage?by=center" >"$WORK/usage.json"
check "usage by center covers the four centers" jqq '[.groups[].center] | sort == ["local-lab", "sim-big", "slurm-east", "slurm-west"]' "$WORK/usage.json"
check "usage sums the jobs" jqq '[.groups[].jobs] | add == 50' "$WORK/usage.json"

# --- idempotency and tenants -----------------------------------------------------------------------------------
spec=$(job inner-mongolia 8 "" huawei-ascend-910b)
first=$(KEY=k-1 api "$ACME" POST /api/v1/jobs "$spec" | jq -r .id); s1=$(status)
second=$(KEY=k-1 api "$ACME" POST /api/v1/jobs "$spec" | jq -r .id); s2=$(status)
check "the same Idempotency-Key returns the same job (201 then 200)" test "$first" = "$second" -a "$s1" = 201 -a "$s2" = 200
other=$(KEY=k-1 api "$ZETA" POST /api/v1/jobs "$spec" | jq -r .id)
check "keys are per tenant" test "$other" != "$first"
api "$ZETA" GET "/api/v1/jobs/$first" >/dev/null
check "another tenant's job is 404, as a missing one (no existence oracle)" test "$(status)" = 404
api "$ZETA" DELETE "/api/v1/jobs/$first" >/dev/null
check "another tenant cannot cancel it (404)" test "$(status)" = 404
check "a tenant lists only its own jobs" jqq '[.jobs[].tenant] | unique == ["zeta"]' <(api "$ZETA" GET "/api/v1/jobs?limit=1000")
api "$ZETA" GET "/api/v1/jobs?tenant=acme" >/dev/null
check "a tenant cannot list another's (403)" test "$(status)" = 403
api "" GET "/api/v1/jobs" >/dev/null
check "no token is 401" test "$(status)" = 401
api "$ACME" POST /api/v1/centers/local-lab/drain >/dev/null
check "a tenant cannot drain (403)" test "$(status)" = 403

# --- cancel on every backend -----------------------------------------------------------------------------------
cancel_ids=()
for prov in shanghai gansu beijing; do
  cancel_ids+=("$(api "$ACME" POST /api/v1/jobs "$(job $prov 1 "echo \$\$ > $WORK/pid-$prov; exec sleep 120")" | jq -r .id)")
done
cancel_ids+=("$(api "$ACME" POST /api/v1/jobs "$(jq -nc '{kind: "train", devices: 8, accelerator: {models: ["huawei-ascend-910b"]},
  work: {reference_hours: 10000, reference: "huawei-ascend-910b"}}')" | jq -r .id)")
for id in "${cancel_ids[@]}"; do wait_state "$ACME" "$id" running; done
for id in "${cancel_ids[@]}"; do api "$ACME" DELETE "/api/v1/jobs/$id" >/dev/null; done
cancelled=0
for id in "${cancel_ids[@]}"; do
  [ "$(api "$ACME" GET "/api/v1/jobs/$id" | jq -r .state)" = cancelled ] && cancelled=$((cancelled + 1))
done
check "cancel works on slurm, slurm, local and sim ($cancelled/4)" test "$cancelled" -eq 4
sleep 2
gone=0
for prov in shanghai gansu beijing; do
  pid=$(cat "$WORK/pid-$prov" 2>/dev/null)
  if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then gone=$((gone + 1)); else echo "  still alive: $prov pid '$pid'"; fi
done
check "the cancelled processes are gone ($gone/3)" test "$gone" -eq 3
east_id=$(api "$ACME" GET "/api/v1/jobs/${cancel_ids[0]}" | jq -r .backend_id)
check "Slurm saw the cancel" bash -c "SLURM_CONF=$SLURM/east/slurm.conf scontrol -o show job $east_id | grep -q JobState=CANCELLED"
api "$ACME" DELETE "/api/v1/jobs/${cancel_ids[0]}" >/dev/null
check "cancelling an ended job is 409" test "$(status)" = 409

# --- kill -9 with jobs queued, dispatched and running; every job runs exactly once ----------------------------------
CRASH="$WORK/crash.txt"
: >"$CRASH"
chmod 666 "$CRASH"
crash_ids=()
for i in $(seq 1 14); do
  if [ $((i % 2)) -eq 0 ]; then prov=beijing; else prov=shanghai; fi
  crash_ids+=("$(api "$ACME" POST /api/v1/jobs "$(job $prov 1 "echo start:$i >> $CRASH; sleep 1.5; echo end:$i >> $CRASH")" | jq -r .id)")
done
sleep 1
api "$OPS" GET "/api/v1/jobs?limit=1000" >"$WORK/before.json"
kill -9 "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
states=$(jq -r --argjson ids "$(printf '%s\n' "${crash_ids[@]}" | jq -s 'map(tonumber)')" \
  '[.jobs[] | select(.id as $i | $ids | index($i)) | .state] | unique | join(",")' "$WORK/before.json")
echo "  states at the kill: $states"
check "the kill caught jobs waiting and running" bash -c "[[ '$states' == *running* && ( '$states' == *pending* || '$states' == *dispatched* || '$states' == *placed* ) ]]"
check "the server restarts" start_server
check "the interrupted jobs finish" wait_terminal "$ACME" "${crash_ids[@]}"
ok_jobs=0
for id in "${crash_ids[@]}"; do [ "$(api "$ACME" GET "/api/v1/jobs/$id" | jq -r .state)" = succeeded ] && ok_jobs=$((ok_jobs + 1)); done
check "all 14 succeeded ($ok_jobs)" test "$ok_jobs" -eq 14
starts=$(grep -c '^start:' "$CRASH"); ends=$(grep -c '^end:' "$CRASH")
dups=$(sort "$CRASH" | uniq -d | wc -l)
check "every job started and ended exactly once ($starts starts, $ends ends, $dups repeated)" test "$starts" -eq 14 -a "$ends" -eq 14 -a "$dups" -eq 0

# --- a Slurm cluster goes down: its jobs are placed elsewhere ------------------------------------------------------
for f in "$SLURM/south/slurmctld.pid" "$SLURM/south/slurmd.pid"; do kill "$(cat "$f")" 2>/dev/null; done
sleep 1
moved_ids=()
for i in 1 2 3; do
  moved_ids+=("$(api "$ACME" POST /api/v1/jobs "$(job guizhou 1 "true" | jq -c '.residency.provinces += ["shanghai"]')" | jq -r .id)")
done
check "the jobs of the dead cluster finish" wait_terminal "$ACME" "${moved_ids[@]}"
on_east=0
moved=0
for id in "${moved_ids[@]}"; do
  api "$ACME" GET "/api/v1/jobs/$id" >"$WORK/m.json"
  jqq '.state == "succeeded" and .center == "slurm-east"' "$WORK/m.json" && on_east=$((on_east + 1))
  jqq '[.history[].detail] | any(test("slurm-south"))' "$WORK/m.json" && moved=$((moved + 1))
done
# South is the cheaper center: the first jobs go there, fail to be submitted and are placed again; once the
# health check has marked south down, later jobs go to east directly.
check "the jobs ran on slurm-east ($on_east/3)" test "$on_east" -eq 3
check "at least one was placed on the dead slurm-south first and moved ($moved)" test "$moved" -ge 1

kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
rc=$?
SERVER_PID=
check "clean exit after SIGTERM" test "$rc" -eq 0
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "--- server stderr"; tail -30 "$WORK/serve.err"; }
[ "$failed" -eq 0 ]
