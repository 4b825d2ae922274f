# tests/e2e/lib.sh — what the end-to-end scripts share: named checks with a tally, JSON and text assertions, and
# waiting for a server started with --port 0 to print its URL. Sourced, not run.

passed=0
failed=0
check() {  # check NAME COMMAND...: the command must succeed
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}
jqq() { jq -e "$@" >/dev/null; }
contains() { grep -qF -- "$2" "$1" || { echo "  '$2' not in $1:"; sed 's/^/    /' "$1" | head -20; return 1; }; }

# wait_for_url FILE: sets URL to the first http://HOST:PORT the server prints into FILE (10 s at most); fails
# when none comes.
wait_for_url() {
  URL=
  for _ in $(seq 1 100); do
    URL=$(grep -oE 'http://[0-9.]+:[0-9]+' "$1" 2>/dev/null | head -1)
    [ -n "$URL" ] && return 0
    sleep 0.1
  done
  return 1
}
