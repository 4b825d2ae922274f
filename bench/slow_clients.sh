#!/usr/bin/env bash
# Issue 11's load targets on the release server, side by side in one run: durable submissions (wrk, POST
# /api/v1/jobs with a bearer token, 201 only after the group commit) and capacity queries
# (GET /api/v1/stats/capacity) — first with no other clients (the baseline), then while 200 slow clients hold
# connections open, each sending one header line every second (slowloris). Targets: >= 5,000 submissions/s and
# capacity p50 < 1 ms with the slow clients connected. Prints the ratio of each figure to its baseline.
# Usage: bench/slow_clients.sh [seconds per run, default 10] [slow clients, default 200]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
SLOW=${2:-200}
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target zhisuan zhisuan-runner >/dev/null
WORK=$(mktemp -d)
PID=
DRIP=
trap '[ -n "$DRIP" ] && kill "$DRIP" 2>/dev/null; [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
Z() { build/release/zhisuan --db "$WORK/z.db" --data data "$@"; }
TOKEN=$(Z token create --tenant bench 2>/dev/null)
Z tenant set bench --rate 0 --max-pending 0 >/dev/null
build/release/zhisuan --db "$WORK/z.db" --data data serve --port 0 --threads 64 --sim-factor 0.000001 \
  --header-timeout 3600 --log-level error >"$WORK/out" 2>"$WORK/err" &
PID=$!
URL=
until [ -n "$URL" ]; do URL=$(grep -oE 'http://[0-9.]+:[0-9]+' "$WORK/out" || true); sleep 0.05; done
PORT=${URL##*:}
cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"kind": "train", "devices": 8, "accelerator": {"models": ["huawei-ascend-910b", "nvidia-a800-sxm-80gb"]}, "work": {"reference_hours": 2, "reference": "huawei-ascend-910b"}}'
done = function(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
run() {  # run LABEL: submissions then capacity; prints and records figures
  echo "== $1: POST /api/v1/jobs, wrk -t1 -c32 -d${SECONDS_PER_RUN}s"
  wrk -t1 -c32 -d"${SECONDS_PER_RUN}s" --latency -s "$WORK/post.lua" "$URL/api/v1/jobs" >"$WORK/$1.post"
  grep -E "Requests/sec|50%|99%|non-2xx" "$WORK/$1.post"
  echo "== $1: GET /api/v1/stats/capacity, wrk -t1 -c8 -d${SECONDS_PER_RUN}s"
  wrk -t1 -c8 -d"${SECONDS_PER_RUN}s" --latency "$URL/api/v1/stats/capacity?by=hub" >"$WORK/$1.get"
  grep -E "Requests/sec|50%|99%" "$WORK/$1.get"
}
rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
p50_ms() { awk '$1 == "50%" {v=$2; if (v ~ /us$/) {sub("us","",v); v/=1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v*=1000}; print v}' "$1"; }

run baseline
# The slow clients: each opens a connection, sends a request line and then one header line per second.
python3 - "$PORT" "$SLOW" >"$WORK/drip.log" 2>&1 <<'PY' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
    socks.append(s)
print(f"{len(socks)} slow clients connected", flush=True)
while True:
    for s in socks:
        s.sendall(b"X-Slow: 1\r\n")
    time.sleep(1)
PY
DRIP=$!
until grep -q connected "$WORK/drip.log" 2>/dev/null; do sleep 0.1; done
cat "$WORK/drip.log"
run slow
open=$(curl -s "$URL/metrics" | awk '/^zhisuan_http_connections_open/ {print $2}')
echo "open connections at the end (slow clients + this scrape): $open"
kill "$DRIP"; DRIP=
echo "== figures"
awk -v a="$(rate "$WORK/baseline.post")" -v b="$(rate "$WORK/slow.post")" -v n="$SLOW" \
  'BEGIN {printf "submissions/s: baseline %s, with %s slow clients %s (ratio %.2f)\n", a, n, b, b / a}'
printf "capacity p50 ms: baseline %s, with %s slow clients %s\n" "$(p50_ms "$WORK/baseline.get")" "$SLOW" \
  "$(p50_ms "$WORK/slow.get")"
kill -TERM "$PID"; wait "$PID" || true; PID=
echo "stored jobs: $(sqlite3 "$WORK/z.db" "SELECT COUNT(*) FROM jobs")"
