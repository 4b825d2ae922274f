#!/usr/bin/env bash
# Installs dependencies, builds the debug preset (ASan + UBSan, warnings as errors) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset debug >/dev/null
cmake --build build/debug
ctest --preset debug
