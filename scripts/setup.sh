#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of zhisuan from Debian's archive (idempotent).
set -euo pipefail
PACKAGES=(
  g++ cmake ninja-build pkg-config
  libfmt-dev libspdlog-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libsqlite3-dev libcpp-httplib-dev liblemon-dev
  libgtest-dev libgmock-dev libbenchmark-dev libssl-dev zlib1g-dev
  slurm-wlm munge
  curl jq wrk sqlite3 python3 nodejs npm
  postgresql-15 libpq-dev  # the replicated store (libpq) and the throwaway server the tests start (scripts/pg.sh)
  chromium  # headless: the tests render the HTML reports and the console, and fail on any script error
  prometheus  # promtool: the tests check /metrics and the shipped alert rules with it
  clang-16 libfuzzer-16-dev libclang-rt-16-dev  # the fuzz preset (libFuzzer with ASan, UBSan, LeakSanitizer)
)
missing=()
for p in "${PACKAGES[@]}"; do
  # node and npm may come from outside Debian's packages (as on the development image): a working command counts.
  case "$p" in nodejs | npm) command -v "${p/nodejs/node}" >/dev/null && continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Front-end assets (ECharts for the console and the reports, echarts4 for its China map, esbuild to bundle the
# console's part of ECharts), the console's browser tests (@playwright/test, driving Debian's chromium: no browser
# download) and its lint (ESLint), pinned by web/package-lock.json.
cd "$(dirname "$0")/../web"
if [ ! -f node_modules/echarts/dist/echarts.min.js ] || [ ! -f node_modules/echarts4/map/json/china.json ] ||
  [ ! -f node_modules/@playwright/test/package.json ] || [ ! -x node_modules/.bin/esbuild ] ||
  [ ! -x node_modules/.bin/eslint ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
# The console's part of ECharts (web/charts/echarts.js), bundled by esbuild into web/build/echarts.js.
if [ ! -f build/echarts.js ] || [ charts/echarts.js -nt build/echarts.js ] || [ package-lock.json -nt build/echarts.js ]; then
  npm run --silent build
fi
