#!/usr/bin/env bash
# Installs dependencies, builds the debug preset (ASan + UBSan, warnings as errors) and runs every test, then
# builds the libFuzzer harnesses (clang-16) and runs each for 30 s (FUZZ_SECONDS) from its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset debug >/dev/null
cmake --build build/debug
# The store's suite runs on SQLite and on PostgreSQL: here a PostgreSQL case fails rather than skips.
ZHISUAN_REQUIRE_PG=1 ctest --preset debug
scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
