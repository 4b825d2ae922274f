#!/usr/bin/env bash
# Issue 12: N jobs (/bin/true) to one real single-node Slurm cluster, side by side in one run:
#   1. a single-client loop of `sbatch --wrap=true` (the baseline),
#   2. four such loops in parallel,
#   3. the same N through zhisuan (HTTP submissions from one keep-alive client; the release server places them on
#      the cluster's center and dispatches them),
# each timed from the first submission to the moment Slurm knows the last job (squeue + the jobcomp record).
# Also counts: the Slurm jobs the server created (array tasks one by one; exactly N: nothing submitted twice, and N
# distinct Slurm ids recorded), the sbatch calls it made (jobs dispatched together go as job arrays), and the
# Slurm commands the server ran per 0.2 s poll interval while the jobs were queued or running (wrappers on PATH).
# Targets: zhisuan >= 1.5x the single-client loop; <= 2 Slurm queries per cluster per poll interval.
# Usage: bench/slurm_dispatch.sh [N...] (default 1000 5000); needs root (it starts the cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 5000)
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target zhisuan zhisuan-runner >/dev/null
WORK=$(mktemp -d /tmp/zhisuan-slurm-bench.XXXXXX)
chmod 755 "$WORK"
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; scripts/slurm.sh down "$WORK/clusters" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
# Room for every run's jobs (finished ones stay in the controller for MinJobAge and count against MaxJobCount).
SLURM_EXTRA_CONF="MaxJobCount=100000" scripts/slurm.sh up "$WORK/clusters" bench 7017
export SLURM_CONF="$WORK/clusters/bench/slurm.conf"
C="$WORK/clusters/bench"
now() { date +%s.%N; }
known() {  # known PREFIX: jobs whose name starts with PREFIX that Slurm knows (queued, running or finished)
  local q c
  q=$(squeue -h -t all -r -o %j 2>/dev/null | grep -c "^$1" || true)
  c=$(grep -c " Name=$1" "$C/jobcomp.txt" 2>/dev/null || true)
  echo $((q > c ? q : c))
}
wait_known() {  # wait_known PREFIX N: until Slurm knows N such jobs
  until [ "$(known "$1")" -ge "$2" ]; do sleep 0.05; done
}
# Wrappers that count every Slurm command the server runs, then run the real one. As cheap as a wrapper can be
# (dash, a builtin echo): one with $(date) in it halved the measured dispatch rate (0.57x instead of 0.97x).
mkdir -p "$WORK/bin"
for cmd in sbatch squeue scontrol scancel sacct; do
  printf '#!/bin/sh\necho %s >> %s/commands.log\nexec /usr/bin/%s "$@"\n' "$cmd" "$WORK" "$cmd" >"$WORK/bin/$cmd"
  chmod +x "$WORK/bin/$cmd"
done
mkdir -p "$WORK/data"
cp -r data/. "$WORK/data/"
cp bench/slurm/centers.yaml "$WORK/data/centers.yaml"
cat >"$WORK/backends.yaml" <<CONF
allow_service_user: true
centers:
  slurm-bench: {slurm_conf: $C/slurm.conf, spool: $C/jobs, jobcomp: $C/jobcomp.txt}
CONF
echo "| N | single sbatch loop | 4 sbatch clients | zhisuan | zhisuan / single loop | Slurm jobs made (distinct ids) | sbatch calls | Slurm queries per 0.2 s while queued |"
echo "|---|---|---|---|---|---|---|---|"
for N in "${SIZES[@]}"; do
  t0=$(now)
  for i in $(seq 1 "$N"); do sbatch -Q -J "loop-$N-$i" -o /dev/null --wrap=true >/dev/null; done
  wait_known "loop-$N-" "$N"
  single=$(echo "$t0 $(now)" | awk '{print $2 - $1}')
  t0=$(now)
  for k in 1 2 3 4; do
    (for i in $(seq "$k" 4 "$N"); do sbatch -Q -J "four-$N-$i" -o /dev/null --wrap=true >/dev/null; done) &
  done
  wait
  wait_known "four-$N-" "$N"
  four=$(echo "$t0 $(now)" | awk '{print $2 - $1}')
  DB="$WORK/z-$N.db"
  TOKEN=$(build/release/zhisuan --db "$DB" --data "$WORK/data" token create --tenant bench 2>/dev/null)
  build/release/zhisuan --db "$DB" --data "$WORK/data" tenant set bench --rate 0 --max-pending 0 >/dev/null
  : >"$WORK/commands.log"
  PATH="$WORK/bin:$PATH" build/release/zhisuan --db "$DB" --data "$WORK/data" serve --port 0 \
    --backends "$WORK/backends.yaml" --log-level error >"$WORK/out" 2>"$WORK/err" &
  PID=$!
  URL=
  until [ -n "$URL" ]; do URL=$(grep -oE 'http://[0-9.]+:[0-9]+' "$WORK/out" || true); sleep 0.05; done
  INSTANCE=$(sqlite3 "$DB" "SELECT value FROM meta WHERE key = 'instance'")
  t0=$(now)
  python3 - "$URL" "$TOKEN" "$N" <<'PY'
import http.client, json, sys
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = url.split("//")[1].split(":")
c = http.client.HTTPConnection(host, int(port))
spec = json.dumps({"kind": "batch", "devices": 1, "accelerator": {"models": ["kunpeng-920-7260-2s"]},
                   "work": {"reference_hours": 0.001, "reference": "kunpeng-920-7260-2s"}, "walltime_h": 0.1,
                   "command": ["/bin/true"]})
for i in range(n):
    c.request("POST", "/api/v1/jobs", spec, {"Authorization": "Bearer " + token})
    r = c.getresponse()
    r.read()
    assert r.status == 201, r.status
PY
  wait_known "zhisuan-$INSTANCE-" "$N"
  mine=$(echo "$t0 $(now)" | awk '{print $2 - $1}')
  # Queries per 0.2 s poll interval over the window from the first submission to the last job known to Slurm.
  queries=$(awk -v s="$mine" '$1 == "squeue" || $1 == "scontrol" || $1 == "sacct" {n++}
                END {printf "%.2f", n / (s / 0.2)}' "$WORK/commands.log")
  made=$(known "zhisuan-$INSTANCE-")
  sbatches=$(grep -c '^sbatch' "$WORK/commands.log" || true)
  kill -TERM "$PID"; wait "$PID" || true; PID=
  distinct=$(sqlite3 "$DB" "SELECT COUNT(DISTINCT backend_id) FROM job_state WHERE backend_id <> ''")
  cp "$WORK/commands.log" "/tmp/slurm-commands-$N.log"
  awk -v n="$N" -v a="$single" -v b="$four" -v c="$mine" -v m="$made" -v d="$distinct" -v s="$sbatches" -v q="$queries" 'BEGIN {
    printf "| %d | %.1f s (%.0f jobs/s) | %.1f s (%.0f jobs/s) | %.1f s (%.0f jobs/s) | %.2fx | %d (%d) | %d | %s |\n",
      n, a, n / a, b, n / b, c, n / c, a / c, m, d, s, q}'
done
