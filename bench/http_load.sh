#!/usr/bin/env bash
# Loopback load on the release server from a second process (wrk), with /api/v1/health as the in-run baseline,
# and whole-process start-up time (exec to first answered /api/v1/health), cold (new database) and warm.
# Usage: bench/http_load.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target zhisuan startup_benchmark >/dev/null
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

start_server() {  # start_server DB: starts on port 0, sets PID and URL, prints ms from exec to first health answer
  local t0 t1
  t0=$(date +%s%N)
  build/release/zhisuan --db "$1" --data data serve --port 0 --threads 32 >"$WORK/out" 2>/dev/null &
  echo $! >"$WORK/pid"
  local url=
  until [ -n "$url" ]; do url=$(grep -oE 'http://[0-9.]+:[0-9]+' "$WORK/out" || true); done
  until curl -sf "$url/api/v1/health" >/dev/null; do :; done
  t1=$(date +%s%N)
  echo "$url" >"$WORK/url"
  echo $(( (t1 - t0) / 1000000 ))
}
stop_server() { kill "$(cat "$WORK/pid")"; wait "$(cat "$WORK/pid")" 2>/dev/null || true; }

echo "== start-up: exec to first answered health request (ms), 5 runs each"
cold=(); warm=()
for i in 1 2 3 4 5; do
  rm -f "$WORK/z.db"*
  cold+=("$(start_server "$WORK/z.db")"); stop_server
  warm+=("$(start_server "$WORK/z.db")"); stop_server
done
echo "cold: ${cold[*]}"
echo "warm: ${warm[*]}"

echo "== in-process start-up (Google Benchmark)"
build/release/bench/startup_benchmark --benchmark_min_time=0.5

echo "== loopback load: wrk -t1 -c8 -d${SECONDS_PER_RUN}s, server on 32 threads"
start_server "$WORK/z.db" >/dev/null
PID=$(cat "$WORK/pid")
URL=$(cat "$WORK/url")
for path in "/api/v1/health" "/api/v1/stats/capacity?by=hub&precision=fp16"; do
  echo "-- $path"
  wrk -t1 -c8 -d"${SECONDS_PER_RUN}s" --latency "$URL$path" | tee "$WORK/wrk.txt" | grep -E "Requests/sec|50%|90%|99%"
  grep -E "^ +50%" "$WORK/wrk.txt" | awk '{print $2}' >>"$WORK/medians"
done
echo "medians (health baseline, capacity): $(paste -sd' ' "$WORK/medians")"
