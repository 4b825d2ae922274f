#!/usr/bin/env bash
# The scheduler while clients read the whole live state: on a synthetic network of 10,000 centers, one wrk
# submits jobs for 10 s (16 connections; every accepted job is placed, dispatched and finished on simulated
# centers) while another reads GET /api/v1/live (3 MB of JSON, with a tenant's token: not rate-limited) on
# READERS connections. Printed per server: submissions/s, answers/s, and what the scheduler did with the jobs.
# BASE (a release binary built from an earlier commit) first, then this tree's, on the same machine.
# Usage: bench/live_flood.sh BASE_BINARY [READERS, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bench/live_flood.sh BASE_BINARY [READERS]}
READERS=${2:-8}
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target zhisuan zhisuan-runner >/dev/null
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
python3 bench/synthetic_centers.py data "$WORK/data" 10000 >/dev/null

run() {  # run LABEL BINARY READERS
  local label=$1 bin=$2 readers=$3 db="$WORK/$1-$3.db"
  local token
  token=$("$bin" --db "$db" --data "$WORK/data" token create --tenant bench 2>/dev/null)
  "$bin" --db "$db" --data "$WORK/data" tenant set bench --rate 0 --max-pending 0 >/dev/null
  "$bin" --db "$db" --data "$WORK/data" serve --port 0 --threads 32 --sim-factor 0.000001 >"$WORK/out" 2>"$WORK/err" &
  PID=$!
  local url=
  until [ -n "$url" ]; do
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/err" >&2; exit 1; }
    url=$(grep -oE 'http://[0-9.]+:[0-9]+' "$WORK/out" || true)
    sleep 0.1
  done
  until curl -sf "$url/api/v1/health" >/dev/null; do sleep 0.1; done
  cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"kind": "train", "devices": 8, "accelerator": {"models": ["huawei-ascend-910b", "nvidia-a800-sxm-80gb"]}, "work": {"reference_hours": 2, "reference": "huawei-ascend-910b"}}'
LUA
  printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" >"$WORK/get.lua"
  local rpid= reads=0
  if [ "$readers" -gt 0 ]; then
    wrk -t1 -c"$readers" -d12s -s "$WORK/get.lua" "$url/api/v1/live" >"$WORK/get.txt" &
    rpid=$!
    sleep 1
  fi
  local submits
  submits=$(wrk -t1 -c16 -d10s -s "$WORK/post.lua" "$url/api/v1/jobs" | awk '/Requests\/sec/ {print $2}')
  if [ -n "$rpid" ]; then wait "$rpid"; reads=$(awk '/Requests\/sec/ {print $2}' "$WORK/get.txt"); fi
  curl -s "$url/metrics?name=zhisuan_scheduler_pass_seconds,zhisuan_jobs_finished_total,zhisuan_jobs" >"$WORK/m.txt"
  printf '%-5s %2d readers: %5.0f submissions/s, %4.0f answers/s; scheduler: %6d jobs finished, %6d pending, %5d passes\n' \
    "$label" "$readers" "$submits" "$reads" \
    "$(awk '/^zhisuan_jobs_finished_total\{state="succeeded"\}/ {print $2}' "$WORK/m.txt")" \
    "$(awk '/^zhisuan_jobs\{state="pending"\}/ {print $2}' "$WORK/m.txt")" \
    "$(awk '/^zhisuan_scheduler_pass_seconds_count/ {print $2}' "$WORK/m.txt")"
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=
}

for r in 0 "$READERS"; do
  run base "$BASE" "$r"
  run this build/release/zhisuan "$r"
done
