#!/usr/bin/env bash
# Installs dependencies, builds the release binary and serves the shipped China dataset.
# Environment: PORT (default 8080), HOST (default 127.0.0.1), ZHISUAN_DB (default build/zhisuan.db).
# Extra arguments go to `zhisuan serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target zhisuan zhisuan-runner  # the runner starts local centers' jobs
exec build/release/zhisuan --db "${ZHISUAN_DB:-build/zhisuan.db}" --data data \
  serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8080}" "$@"
