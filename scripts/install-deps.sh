#!/usr/bin/env bash
# Installs the Debian packages latchkey needs to build, run and test.
# Quick when everything is already there: it only calls apt-get for what is missing.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsodium-dev libsqlite3-dev libpq-dev libexpected-dev libicu-dev libcurl4-openssl-dev
  libqrencode-dev libcbor-dev
)
TEST_PKGS=(
  libgtest-dev googletest libbenchmark-dev postgresql postgresql-client libfido2-dev
  python3-pytest python3-pytest-xdist python3-requests python3-jwt python3-jwcrypto python3-jsonschema python3-cryptography
  python3-prometheus-client
  python3-authlib python3-selenium chromium chromium-driver
  python3-pyotp zbar-tools python3-aiosmtpd
)

# make bench: wrk and Google Benchmark; the Flask seed for make bench-seed; Node.js
# and npm for oidc-provider (make bench-seed, make bench-oidc).
BENCH_PKGS=(wrk libbenchmark-dev python3-requests python3-flask python3-jwt gunicorn)

want=("${BUILD_PKGS[@]}")
if [ "${1:-}" = "--bench" ]; then
  want+=("${BENCH_PKGS[@]}")
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then want+=(nodejs npm); fi
fi
if [ "${1:-}" = "--test" ]; then
  want+=("${TEST_PKGS[@]}")
  # Node.js runs the interoperability tests (jose from npm). Any install that
  # provides node and npm will do (Debian's, or NodeSource's, which bundles npm).
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then want+=(nodejs npm); fi
fi

# The sanitized tree (scripts/sanitized-build.sh): clang and its libFuzzer /
# sanitizer runtimes.
if [ "${1:-}" = "--sanitize" ]; then
  want+=(libclang-rt-14-dev)
  command -v clang++ >/dev/null || command -v clang++-14 >/dev/null || want+=(clang-14)
fi

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
