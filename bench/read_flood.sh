#!/usr/bin/env bash
# The scheduler while clients flood a public read: on a synthetic network of 10,000 centers, one wrk submits
# jobs for 10 s (16 connections; every accepted job is placed, dispatched and finished on simulated centers)
# while another, on READERS connections, asks
#   quote: POST /api/v1/quote?explain=true without a token (limited per address: "this, no limit" runs the
#          tree's server with --anonymous-read-rate 0 as well), or
#   live:  GET /api/v1/live (3 MB of JSON) with a tenant's token (not limited).
# Printed per server: submissions/s, answers/s (and refusals), and what the scheduler did with the jobs
# (finished, still pending, passes). BASE (a release binary built from an earlier commit) first, then this
# tree's, on the same machine.
# Usage: bench/read_flood.sh BASE_BINARY quote|live [READERS, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bench/read_flood.sh BASE_BINARY quote|live [READERS]}
READ=${2:?usage: bench/read_flood.sh BASE_BINARY quote|live [READERS]}
READERS=${3:-8}
case "$READ" in quote | live) ;; *) echo "read: '$READ' is not quote or live" >&2; exit 2 ;; esac
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target zhisuan zhisuan-runner >/dev/null
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
python3 bench/synthetic_centers.py data "$WORK/data" 10000 >/dev/null
SPEC='{"kind": "train", "devices": 8, "accelerator": {"models": ["huawei-ascend-910b", "nvidia-a800-sxm-80gb"]}, "work": {"reference_hours": 2, "reference": "huawei-ascend-910b"}}'

run() {  # run LABEL BINARY READERS [SERVE_ARGS...]
  local label=$1 bin=$2 readers=$3 db="$WORK/$1-$3.db"
  shift 3
  local token
  token=$("$bin" --db "$db" --data "$WORK/data" token create --tenant bench 2>/dev/null)
  "$bin" --db "$db" --data "$WORK/data" tenant set bench --rate 0 --max-pending 0 >/dev/null
  "$bin" --db "$db" --data "$WORK/data" serve --port 0 --threads 32 --sim-factor 0.000001 "$@" >"$WORK/out" 2>"$WORK/err" &
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
wrk.body = [[$SPEC]]
LUA
  local target
  if [ "$READ" = quote ]; then
    printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[%s]]\n' "$SPEC" >"$WORK/read.lua"
    target="$url/api/v1/quote?explain=true&top=5"
  else
    printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" >"$WORK/read.lua"
    target="$url/api/v1/live"
  fi
  local rpid=
  if [ "$readers" -gt 0 ]; then
    wrk -t1 -c"$readers" -d12s -s "$WORK/read.lua" "$target" >"$WORK/read.txt" &
    rpid=$!
    sleep 1
  fi
  local submits answers=0 refused=0
  submits=$(wrk -t1 -c16 -d10s -s "$WORK/post.lua" "$url/api/v1/jobs" | awk '/Requests\/sec/ {print $2}')
  if [ -n "$rpid" ]; then
    wait "$rpid"
    local total non2xx
    total=$(awk '/requests in/ {print $1}' "$WORK/read.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/read.txt")
    answers=$(((total - ${non2xx:-0}) / 12))
    refused=$((${non2xx:-0} / 12))
  fi
  curl -s -H "Authorization: Bearer $token" \
    "$url/metrics?name=zhisuan_scheduler_pass_seconds,zhisuan_jobs_finished_total,zhisuan_jobs" >"$WORK/m.txt"
  printf '%-16s %2d %s readers: %5.0f submissions/s, %4d answers/s (%5d refused); scheduler: %6d jobs finished, %6d pending, %5d passes (longest %s ms)\n' \
    "$label" "$readers" "$READ" "$submits" "$answers" "$refused" \
    "$(awk '/^zhisuan_jobs_finished_total\{state="succeeded"\}/ {print $2}' "$WORK/m.txt")" \
    "$(awk '/^zhisuan_jobs\{state="pending"\}/ {print $2}' "$WORK/m.txt")" \
    "$(awk '/^zhisuan_scheduler_pass_seconds_count/ {print $2}' "$WORK/m.txt")" \
    "$(awk '/^zhisuan_scheduler_pass_seconds_max/ {printf "%.0f", $2 * 1000}' "$WORK/m.txt")"
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=
}

for r in 0 "$READERS"; do
  run base "$BASE" "$r"
  run this build/release/zhisuan "$r"
  if [ "$r" -gt 0 ] && [ "$READ" = quote ]; then
    run "this, no limit" build/release/zhisuan "$r" --anonymous-read-rate 0
  fi
done
