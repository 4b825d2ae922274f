#!/usr/bin/env bash
# The scheduler under a flood of anonymous quotes: on a synthetic network of 10,000 centers, one wrk submits
# jobs for 10 s (16 connections; every accepted job is placed, dispatched and finished on simulated centers)
# while another asks POST /api/v1/quote?explain=true (no token needed) on QUOTERS connections. Printed per
# server: submissions/s, quotes/s, and what the scheduler did with the jobs (finished, still pending) and its
# passes. BASE (a release binary built from an earlier commit) first, then this tree's, with its default limit
# on quotes without a token and without it (`--anonymous-read-rate 0`), on the same machine. Quotes/s counts
# the answered ones (200), and apart the refused (429).
# Usage: bench/quote_flood.sh BASE_BINARY [QUOTERS, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: bench/quote_flood.sh BASE_BINARY [QUOTERS]}
QUOTERS=${2:-8}
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target zhisuan zhisuan-runner >/dev/null
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
python3 bench/synthetic_centers.py data "$WORK/data" 10000 >/dev/null
SPEC='{"kind": "train", "devices": 8, "accelerator": {"models": ["huawei-ascend-910b", "nvidia-a800-sxm-80gb"]}, "work": {"reference_hours": 2, "reference": "huawei-ascend-910b"}}'

run() {  # run LABEL BINARY QUOTERS [SERVE_ARGS...]
  local label=$1 bin=$2 quoters=$3 db="$WORK/$1-$3.db"
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
  cat >"$WORK/quote.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$SPEC]]
LUA
  local qpid=
  if [ "$quoters" -gt 0 ]; then
    wrk -t1 -c"$quoters" -d12s -s "$WORK/quote.lua" "$url/api/v1/quote?explain=true&top=5" >"$WORK/quote.txt" &
    qpid=$!
    sleep 1
  fi
  local submits quotes=0 refused=0
  submits=$(wrk -t1 -c16 -d10s -s "$WORK/post.lua" "$url/api/v1/jobs" | awk '/Requests\/sec/ {print $2}')
  if [ -n "$qpid" ]; then
    wait "$qpid"
    local total non2xx
    total=$(awk '/requests in/ {print $1}' "$WORK/quote.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/quote.txt")
    quotes=$(( (total - ${non2xx:-0}) / 12 ))
    refused=$(( ${non2xx:-0} / 12 ))
  fi
  curl -s "$url/metrics?name=zhisuan_scheduler_pass_seconds,zhisuan_jobs_finished_total,zhisuan_jobs" >"$WORK/m.txt"
  local finished pending passes longest
  finished=$(awk '/^zhisuan_jobs_finished_total\{state="succeeded"\}/ {print $2}' "$WORK/m.txt")
  pending=$(awk '/^zhisuan_jobs\{state="pending"\}/ {print $2}' "$WORK/m.txt")
  passes=$(awk '/^zhisuan_scheduler_pass_seconds_count/ {print $2}' "$WORK/m.txt")
  longest=$(awk '/^zhisuan_scheduler_pass_seconds_max/ {printf "%.0f", $2 * 1000}' "$WORK/m.txt")
  printf '%-16s %2d quoters: %5.0f submissions/s, %4d quotes/s (%5d refused); scheduler: %6d jobs finished, %6d pending, %5d passes (longest %s ms)\n' \
    "$label" "$quoters" "$submits" "$quotes" "$refused" "$finished" "$pending" "$passes" "$longest"
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=
}

for q in 0 "$QUOTERS"; do
  run base "$BASE" "$q"
  run this build/release/zhisuan "$q"
  [ "$q" -gt 0 ] && run "this, no limit" build/release/zhisuan "$q" --anonymous-read-rate 0
done
