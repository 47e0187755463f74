#!/usr/bin/env bash
# Every test: unit tests (GoogleTest) and end-to-end tests (pytest), both against a
# throwaway PostgreSQL started here and stopped on exit, so the store
# conformance suite and the multi-instance tests run on the real thing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
start=$(date +%s)

pgdir=$(mktemp -d /tmp/latchkey-pg.XXXXXX)
cleanup() { scripts/pg-test-server.sh stop "$pgdir"; rm -rf "$pgdir"; }
trap cleanup EXIT
LATCHKEY_TEST_PG_URL=$(scripts/pg-test-server.sh start "$pgdir")
export LATCHKEY_TEST_PG_URL LATCHKEY_TEST_PG_DIR="$pgdir" LATCHKEY_REQUIRE_PG=1
echo "run-tests: PostgreSQL for the tests at $LATCHKEY_TEST_PG_URL"

# One process for every unit test (ctest starts one per test: 761 processes,
# each with its own PostgreSQL connection): `make unit` still runs ctest.
"$build/tests/unit/unit_tests" --gtest_brief=1
LATCHKEY_BIN="$PWD/$build/latchkey" bash scripts/e2e-tests.sh
echo "make test: all tests passed in $(( $(date +%s) - start )) s"

# The same tests again under ASan + UBSan (build-asan, all of them), with this
# PostgreSQL. ThreadSanitizer needs a build of its own and runs in
# `make sanitize`, keeping CI within its time. LATCHKEY_SANITIZE_TESTS=0 skips them.
if [ "${LATCHKEY_SANITIZE_TESTS:-1}" != 0 ]; then
  bash scripts/sanitize-tests.sh --asan
  echo "make test: all tests, sanitized ones included, passed in $(( $(date +%s) - start )) s"
fi
