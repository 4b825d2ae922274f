#!/usr/bin/env bash
# Sustained job submissions over HTTP from a second process (wrk, POST /api/v1/jobs with a bearer token) to the
# release server on the shipped network with simulated centers (sim_factor 1e-6: jobs finish within
# milliseconds, so the scheduler, dispatcher and poller run the whole time). Target: >= 5,000 jobs/s accepted and
# durably stored (201 only after the group commit), p99 submit latency < 20 ms. Baseline in the same run:
# GET /api/v1/health with the same connections.
# Usage: bench/submit_load.sh [seconds, default 10] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-32}
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target zhisuan zhisuan-runner >/dev/null
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
Z() { build/release/zhisuan --db "$WORK/z.db" --data data "$@"; }
TOKEN=$(Z token create --tenant bench 2>/dev/null)
Z tenant set bench --rate 0 --max-pending 0 >/dev/null  # the load is the point: no per-tenant limits
build/release/zhisuan --db "$WORK/z.db" --data data serve --port 0 --threads 64 --sim-factor 0.000001 >"$WORK/out" 2>"$WORK/err" &
PID=$!
URL=
until [ -n "$URL" ]; do URL=$(grep -oE 'http://[0-9.]+:[0-9]+' "$WORK/out" || true); sleep 0.05; done
cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"kind": "train", "devices": 8, "accelerator": {"models": ["huawei-ascend-910b", "nvidia-a800-sxm-80gb"]}, "work": {"reference_hours": 2, "reference": "huawei-ascend-910b"}}'
done = function(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
echo "== baseline: GET /api/v1/health, wrk -t1 -c$CONNECTIONS -d${SECONDS_PER_RUN}s"
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$URL/api/v1/health" | grep -E "Requests/sec|50%|99%"
echo "== POST /api/v1/jobs, wrk -t1 -c$CONNECTIONS -d${SECONDS_PER_RUN}s"
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$WORK/post.lua" "$URL/api/v1/jobs" | tee "$WORK/wrk.txt" |
  grep -E "requests in|Requests/sec|50%|90%|99%|non-2xx"
sleep 2
kill -TERM "$PID"; wait "$PID" || true; PID=
stored=$(sqlite3 "$WORK/z.db" "SELECT COUNT(*) FROM jobs")
finished=$(sqlite3 "$WORK/z.db" "SELECT state || ' ' || COUNT(*) FROM job_state GROUP BY state" | tr '\n' ',')
echo "stored jobs: $stored; by state after the run: $finished"
