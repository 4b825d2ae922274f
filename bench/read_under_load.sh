#!/usr/bin/env bash
# Reads while the scheduler commits (issue 15): GET /api/v1/jobs/{id} of a running job and POST /api/v1/quote,
# each from its own wrk, while a third wrk submits jobs as fast as the server takes them (every accepted job is
# placed, dispatched and finished on simulated centers: the loop commits the whole time). Two servers in turn on
# the same machine state: BASE (a release binary built from an earlier commit; the baseline) and this tree's.
# Reads that wait for the loop's commits show it in their p99 and max.
# Usage: bench/read_under_load.sh BASE_BINARY [seconds, default 10]   (READERS=0: the submissions alone)
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bench/read_under_load.sh BASE_BINARY [seconds]}
SECONDS_PER_RUN=${2:-10}
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target zhisuan zhisuan-runner >/dev/null
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

run() {  # run LABEL BINARY
  local label=$1 bin=$2 db="$WORK/$1.db"
  Z() { "$bin" --db "$db" --data data "$@"; }
  local token
  token=$(Z token create --tenant bench 2>/dev/null)
  Z tenant set bench --rate 0 --max-pending 0 >/dev/null
  "$bin" --db "$db" --data data serve --port 0 --threads 64 --sim-factor 0.000001 >"$WORK/out" 2>"$WORK/err" &
  PID=$!
  local url=
  until [ -n "$url" ]; do url=$(grep -oE 'http://[0-9.]+:[0-9]+' "$WORK/out" || true); sleep 0.05; done
  until curl -sf "$url/api/v1/health" >/dev/null; do sleep 0.05; done
  # A job that runs through the whole measurement (10^9 reference hours at sim factor 1e-6: ~17 minutes).
  local id
  id=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d \
    '{"kind": "train", "devices": 8, "accelerator": {"models": ["huawei-ascend-910b"]}, "work": {"reference_hours": 1000000000, "reference": "huawei-ascend-910b"}}' \
    "$url/api/v1/jobs" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"kind": "train", "devices": 8, "accelerator": {"models": ["huawei-ascend-910b", "nvidia-a800-sxm-80gb"]}, "work": {"reference_hours": 2, "reference": "huawei-ascend-910b"}}'
LUA
  cat >"$WORK/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
  # With the tenant's token: quotes without one are limited per address (serve --anonymous-read-rate).
  cat >"$WORK/quote.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"kind": "train", "devices": 8, "accelerator": {"models": ["huawei-ascend-910b"]}, "work": {"reference_hours": 2, "reference": "huawei-ascend-910b"}}'
LUA
  wrk -t1 -c24 -d"${SECONDS_PER_RUN}s" --latency -s "$WORK/post.lua" "$url/api/v1/jobs" >"$WORK/post.txt" &
  local posting=$!
  if [ "${READERS:-1}" != 0 ]; then
    sleep 1
    wrk -t1 -c4 -d"$((SECONDS_PER_RUN - 2))s" --latency -s "$WORK/get.lua" "$url/api/v1/jobs/$id" >"$WORK/get.txt" &
    local getting=$!
    wrk -t1 -c2 -d"$((SECONDS_PER_RUN - 2))s" --latency -s "$WORK/quote.lua" "$url/api/v1/quote" >"$WORK/quote.txt"
    wait "$getting"
  fi
  wait "$posting"
  kill -TERM "$PID"; wait "$PID" || true; PID=
  local state
  state=$(sqlite3 "$db" "SELECT state FROM job_state WHERE job_id = $id")
  summarize() {  # summarize NAME FILE
    awk -v name="$2" -v label="$label" '
      /Requests\/sec/ {rps=$2} / 50%/ {p50=$2} / 99%/ {p99=$2} /Latency/ && !max {max=$4}
      END {printf "%-5s %-16s %10s req/s  p50 %-9s p99 %-9s max %s\n", label, name, rps, p50, p99, max}' "$1"
  }
  summarize "$WORK/post.txt" "POST /jobs"
  if [ "${READERS:-1}" != 0 ]; then
    summarize "$WORK/get.txt" "GET /jobs/{id}"
    summarize "$WORK/quote.txt" "POST /quote"
  fi
  echo "$label  the long job is $state afterwards"
}

run base "$BASE"
run new build/release/zhisuan
