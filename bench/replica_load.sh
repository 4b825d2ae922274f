#!/usr/bin/env bash
# Durable submissions/s and latency: one server on SQLite (the baseline, measured in the same run) against 1, 2
# and 3 replicas on one PostgreSQL (a throwaway server started here with scripts/pg.sh). The release server on
# the shipped network with simulated centers (sim_factor 1e-6: every job is placed, dispatched and finished during
# the run, by the leader); wrk posts one job spec per request with a bearer token, one wrk per replica with the
# connections split between them; 201 comes only after the job's group commit. Target (issue 15): >= 3,000/s
# with p99 < 50 ms on PostgreSQL. Afterwards every accepted job must be stored and finished.
# Usage: bench/replica_load.sh [seconds, default 10] [connections in all, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-32}
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target zhisuan zhisuan-runner >/dev/null
WORK=$(mktemp -d)
chmod 755 "$WORK"
PIDS=()
stop_all() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done; PIDS=(); }
trap 'stop_all; scripts/pg.sh down "$WORK/pg" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
scripts/pg.sh up "$WORK/pg" "${PG_PORT:-25432}"
PG=$(cat "$WORK/pg/url")
BODY='{"kind": "train", "devices": 8, "accelerator": {"models": ["huawei-ascend-910b", "nvidia-a800-sxm-80gb"]}, "work": {"reference_hours": 2, "reference": "huawei-ascend-910b"}}'

# run NAME DB REPLICAS: starts the servers, loads them, stops them, prints one table row.
run() {
  local name=$1 db=$2 n=$3
  local Z=(build/release/zhisuan --db "$db" --data data)
  local token
  token=$("${Z[@]}" token create --tenant bench 2>/dev/null)
  "${Z[@]}" tenant set bench --rate 0 --max-pending 0 >/dev/null
  local urls=()
  for i in $(seq 1 "$n"); do
    "${Z[@]}" serve --port 0 --threads 64 --sim-factor 0.000001 --state-dir "$WORK/state" \
      >"$WORK/out.$i" 2>"$WORK/err.$i" &
    PIDS+=($!)
    local url=
    until [ -n "$url" ]; do url=$(grep -oE 'http://[0-9.]+:[0-9]+' "$WORK/out.$i" || true); sleep 0.05; done
    urls+=("$url")
  done
  sleep 1  # a leader is elected
  cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$BODY'
LUA
  local per=$((CONNECTIONS / n)) loads=()
  for i in $(seq 1 "$n"); do
    wrk -t1 -c"$per" -d"${SECONDS_PER_RUN}s" --latency -s "$WORK/post.lua" "${urls[$((i - 1))]}/api/v1/jobs" >"$WORK/wrk.$i" &
    loads+=($!)
  done
  wait "${loads[@]}"
  local rps=0 p50=0 p99=0 errors=0
  for i in $(seq 1 "$n"); do
    rps=$(awk -v a="$rps" '/Requests\/sec/ {printf "%.0f", a + $2}' "$WORK/wrk.$i")
    p50=$(awk -v a="$p50" '$1 == "50%" {v=$2; m=(v ~ /us$/) ? 0.001 : (v ~ /ms$/) ? 1 : 1000; sub(/[a-z]+$/, "", v); v*=m; print (v > a ? v : a)}' "$WORK/wrk.$i")
    p99=$(awk -v a="$p99" '$1 == "99%" {v=$2; m=(v ~ /us$/) ? 0.001 : (v ~ /ms$/) ? 1 : 1000; sub(/[a-z]+$/, "", v); v*=m; print (v > a ? v : a)}' "$WORK/wrk.$i")
    errors=$((errors + $(grep -oE 'Non-2xx or 3xx responses: [0-9]+' "$WORK/wrk.$i" | grep -oE '[0-9]+$' || echo 0)))
  done
  sleep 5
  stop_all
  local q="SELECT COUNT(*) || ' stored, ' || SUM(CASE WHEN s.state = 'succeeded' THEN 1 ELSE 0 END) || ' succeeded' FROM jobs j JOIN job_state s ON s.job_id = j.id"
  local stored
  if [[ "$db" == postgresql://* ]]; then stored=$(psql -qtAX "$db" -c "$q"); else stored=$(sqlite3 "$db" "$q"); fi
  printf '| %s | %d | %.1f ms | %.1f ms | %d | %s |\n' "$name" "$rps" "$p50" "$p99" "$errors" "$stored"
}

echo "| setup (${SECONDS_PER_RUN} s, $CONNECTIONS connections in all) | jobs/s accepted | p50 (worst replica) | p99 (worst replica) | non-2xx | afterwards (5 s later) |"
echo "|---|---|---|---|---|---|"
run "SQLite, one server (baseline)" "$WORK/z.db" 1
for n in 1 2 3; do
  psql -qX "$PG" -c "CREATE DATABASE r$n" >/dev/null
  run "PostgreSQL, $n replica(s)" "${PG%/*}/r$n" "$n"
done
