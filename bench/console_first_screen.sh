#!/usr/bin/env bash
# The console's first screen in headless Chromium (bench/console_first_screen.js): on the shipped network, the
# same with a baseline console (BASE_WEB: another checkout's web/ directory, e.g. an earlier commit's, measured in
# the same run), and on a synthetic network of 10,000 centers with 100,000 jobs in the database (submitted over
# HTTP first and run to the end on simulated centers), with both consoles again. Target (issue 14): interactive
# within 1 s on loopback.
# Usage: bench/console_first_screen.sh [BASE_WEB]
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_WEB=${1:-}
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target zhisuan zhisuan-runner >/dev/null
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
serve() {  # serve DATA WEB DB: starts the server, sets PID and URL
  build/release/zhisuan --db "$3" --data "$1" serve --port 0 --web "$2" --threads 32 --sim-factor 0.000001 \
    >"$WORK/out" 2>"$WORK/err" &
  PID=$!
  URL=
  until [ -n "$URL" ]; do
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/err" >&2; exit 1; }  # the server did not start: say why
    URL=$(grep -oE 'http://[0-9.]+:[0-9]+' "$WORK/out" || true)
    sleep 0.05
  done
  until curl -sf "$URL/api/v1/health" >/dev/null; do sleep 0.1; done
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

serve data web "$WORK/shipped.db"
node bench/console_first_screen.js "$URL" "shipped network, this console" 5
stop
if [ -n "$BASE_WEB" ]; then
  serve data "$BASE_WEB" "$WORK/base.db"
  node bench/console_first_screen.js "$URL" "shipped network, baseline console" 5
  stop
fi

python3 bench/synthetic_centers.py data "$WORK/data" 10000
Z() { build/release/zhisuan --db "$WORK/syn.db" --data "$WORK/data" "$@"; }
TOKEN=$(Z token create --tenant bench 2>/dev/null)
Z tenant set bench --rate 0 --max-pending 0 >/dev/null
serve "$WORK/data" web "$WORK/syn.db"
cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"kind": "train", "devices": 8, "accelerator": {"models": ["huawei-ascend-910b", "nvidia-a800-sxm-80gb"]}, "work": {"reference_hours": 2, "reference": "huawei-ascend-910b"}}'
LUA
until [ "$(sqlite3 "$WORK/syn.db" 'SELECT COUNT(*) FROM jobs')" -ge 100000 ]; do
  wrk -t1 -c16 -d5s -s "$WORK/post.lua" "$URL/api/v1/jobs" >/dev/null
done
sleep 3
echo "jobs in the database: $(sqlite3 "$WORK/syn.db" 'SELECT COUNT(*) FROM jobs')"
node bench/console_first_screen.js "$URL" "10,000 centers, 100,000 jobs, this console" 3
stop
if [ -n "$BASE_WEB" ]; then
  serve "$WORK/data" "$BASE_WEB" "$WORK/syn.db"
  node bench/console_first_screen.js "$URL" "10,000 centers, 100,000 jobs, baseline console" 3
  stop
fi
