#!/usr/bin/env bash
# Back-pressure and tenants on a real Slurm cluster that refuses submissions (issue 12), through HTTP on loopback.
# The fixture's "tight" cluster holds 3 jobs (MaxJobCount=3) while zhisuan models 16 devices there, so most placed
# jobs meet a full queue. Checks: a tenant without a Unix user is refused at submission (403); 12 jobs of a mapped
# tenant all succeed, each submitted to Slurm exactly once, as the tenant's user and charged to its Slurm account;
# the jobs that waited say why on their history.
# Usage: backpressure_test.sh PATH/TO/zhisuan PATH/TO/data
set -u
ZHISUAN=$1
DATA=$2
SLURM=${ZHISUAN_SLURM_DIR:?run through ctest: the slurm fixture sets ZHISUAN_SLURM_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (sbatch --uid and useradd)"; exit 0; fi
WORK=$(mktemp -d /tmp/zhisuan-backpressure.XXXXXX)
chmod 755 "$WORK"
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

. "$HERE/lib.sh"

id -u zstest-a >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin zstest-a
cp -r "$DATA" "$WORK/data"
cp "$HERE/backpressure/centers.yaml" "$WORK/data/centers.yaml"
TIGHT=$SLURM/tight
cat >"$WORK/backends.yaml" <<CONF
centers:
  slurm-tight: {slurm_conf: $TIGHT/slurm.conf, spool: $TIGHT/jobs, jobcomp: $TIGHT/jobcomp.txt}
tenants:
  acme: {user: zstest-a, account: physics}
CONF
DB="$WORK/z.db"
Z() { "$ZHISUAN" --db "$DB" --data "$WORK/data" "$@"; }
ACME=$(Z token create --tenant acme 2>/dev/null)
ZETA=$(Z token create --tenant zeta 2>/dev/null)
"$ZHISUAN" --db "$DB" --data "$WORK/data" serve --port 0 --backends "$WORK/backends.yaml" \
  >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
check "server starts on the tight cluster" wait_for_url "$WORK/serve.out"

submit() {  # submit TOKEN -> body in $WORK/body, status on stdout
  curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    --data-binary '{"kind": "batch", "devices": 1, "accelerator": {"models": ["kunpeng-920-7260-2s"]},
      "work": {"reference_hours": 0.01, "reference": "kunpeng-920-7260-2s"}, "walltime_h": 0.5,
      "command": ["/bin/sh", "-c", "id -un; sleep 1"]}' "$URL/api/v1/jobs"
}

# --- a tenant no center may run jobs for is refused at once, not left waiting ------------------------------------
check "an unmapped tenant's submission is refused (403)" test "$(submit "$ZETA")" = 403
check "the refusal says why and what the operator does" contains "$WORK/body" "backends file: tenants: zeta"

# --- 12 jobs against a queue that holds 3 ------------------------------------------------------------------------
ids=()
for _ in $(seq 1 12); do
  [ "$(submit "$ACME")" = 201 ] && ids+=("$(jq -r .id "$WORK/body")")
done
check "12 jobs accepted (${#ids[@]})" test "${#ids[@]}" -eq 12
done_all=0
for _ in $(seq 1 240); do  # 120 s at most: the cluster frees a slot about every 2 s
  open=0
  for id in "${ids[@]}"; do
    curl -s -H "Authorization: Bearer $ACME" "$URL/api/v1/jobs/$id" >"$WORK/job.json"
    jqq '.state | IN("succeeded", "failed", "cancelled")' "$WORK/job.json" || open=$((open + 1))
  done
  [ "$open" -eq 0 ] && { done_all=1; break; }
  sleep 0.5
done
check "every job ended" test "$done_all" -eq 1
record() {  # record SLURM-HANDLE: the jobcomp line of a job ("123") or of an array task ("123_4")
  case "$1" in
    *_*) grep " ArrayJobId=${1%_*} ArrayTaskId=${1#*_} " "$TIGHT/jobcomp.txt" ;;
    *) grep "^JobId=$1 " "$TIGHT/jobcomp.txt" ;;
  esac
}
INSTANCE=$(sqlite3 "$DB" "SELECT value FROM meta WHERE key = 'instance'")
ok=0 waited=0 once=0 as_user=0
: >"$WORK/handles"
for id in "${ids[@]}"; do
  curl -s -H "Authorization: Bearer $ACME" "$URL/api/v1/jobs/$id" >"$WORK/job.json"
  jqq '.state == "succeeded"' "$WORK/job.json" && ok=$((ok + 1))
  jqq '[.history[].detail] | any(test("waiting to be submitted: slurm: the cluster refuses new jobs for now"))' \
    "$WORK/job.json" && waited=$((waited + 1))
  handle=$(jq -r .backend_id "$WORK/job.json")
  echo "$handle" >>"$WORK/handles"
  [ "$(record "$handle" | wc -l)" -eq 1 ] && once=$((once + 1))
  record "$handle" | grep -q "UserId=zstest-a(.*Account=physics " && as_user=$((as_user + 1))
done
# Every Slurm job (or array task) this server created, by its name: 12, no more.
made=$(grep -c " Name=zhisuan-$INSTANCE-" "$TIGHT/jobcomp.txt")
check "all 12 succeeded ($ok)" test "$ok" -eq 12
check "jobs met the full queue and said so on their history ($waited)" test "$waited" -ge 1
check "each has its own Slurm record, exactly one ($once/12)" test "$once" -eq 12
check "no two jobs share a Slurm id" test "$(sort -u "$WORK/handles" | wc -l)" -eq 12
check "Slurm ran 12 jobs of this server, none twice ($made)" test "$made" -eq 12
check "each ran as the tenant's user and was charged to its account ($as_user/12)" test "$as_user" -eq 12
check "the job's own output says who ran it" bash -c \
  "curl -s -H 'Authorization: Bearer $ACME' '$URL/api/v1/jobs/${ids[0]}/logs' | grep -q zstest-a"

echo "backpressure: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
