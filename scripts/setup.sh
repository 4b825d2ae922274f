#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of zhisuan from Debian's archive (idempotent).
set -euo pipefail
PACKAGES=(
  g++ cmake ninja-build pkg-config
  libfmt-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libsqlite3-dev libcpp-httplib-dev liblemon-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  curl jq wrk
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
