#!/usr/bin/env bash
# Builds the libFuzzer harnesses (the fuzz preset: clang-16, ASan + UBSan + LeakSanitizer) and runs each for
# SECONDS (default 30) from a copy of its seed corpus in tests/fuzz/corpus. Fails on any crash, leak, timeout
# or sanitizer report, leaving the input that caused it in build/fuzz/findings/NAME/.
# Usage: scripts/fuzz.sh [SECONDS] [NAME...]     (nightly: scripts/fuzz.sh 3600)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-30}
shift || true
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(json_fuzz http_wire_fuzz job_fuzz loader_fuzz trace_fuzz spec_fuzz)
failed=()
for name in "${NAMES[@]}"; do
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$name/." "$work/"
  findings="build/fuzz/findings/$name"
  mkdir -p "$findings"
  echo "== $name: ${SECONDS_EACH} s"
  if ! ZHISUAN_DATA="$PWD/data" "build/fuzz/fuzzers/$name" -max_total_time="$SECONDS_EACH" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$findings/" \
      "$work" 2>"$findings/log.txt"; then
    failed+=("$name")
    tail -40 "$findings/log.txt"
  else
    grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$findings/log.txt" | tail -2 || true
  fi
  rm -rf "$work"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in build/fuzz/findings/)"
  exit 1
fi
echo "fuzz: ${#NAMES[@]} harnesses ran ${SECONDS_EACH} s each without a finding"
