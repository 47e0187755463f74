#!/usr/bin/env bash
# The end-to-end suite (tests/e2e) against $LATCHKEY_BIN, three test files at
# a time, for make test and the sanitized pass (scripts/run-tests.sh,
# scripts/sanitize-tests.sh).
#
#   scripts/e2e-tests.sh [--basetemp=DIR] [pytest arguments ...]
#
# Why several at a time: the suite mostly waits (servers starting and
# stopping, argon2id on purpose, timeouts it provokes). Measured on the 2-core
# machine (/proc/stat over the run): one at a time 335 s with 65% of the CPU
# idle; two 180 s (39% idle); three 131 s (24% idle). Under ASan + UBSan:
# 289 s, 161 s and 146 s.
# pytest-xdist with --dist loadfile: each file's tests stay on one worker, in
# order, with their module's shared servers.
#
# Two kinds of test run after the others, alone: those marked stops_postgres
# pause the PostgreSQL that every test shares (its outage tests); those marked
# timing compare response times or hold tight time bounds (test_abuse.py, the
# seed guide's equal refusal times), which other tests' load would skew (seen
# once in six runs: unknown user 27 ms against wrong password 80 ms).
#
# --basetemp=DIR: the servers' working directories and logs go under
# DIR/parallel and DIR/alone (pytest empties its basetemp when it starts, so
# the two passes need one each); the caller searches DIR afterwards.
# LATCHKEY_E2E_WORKERS=N: N at a time; 0: the whole suite in one process, in
# order (for a test that fails only beside others: compare).
set -euo pipefail
cd "$(dirname "$0")/.."

basetemp=""
if [ $# -gt 0 ] && [[ "$1" == --basetemp=* ]]; then
  basetemp=${1#--basetemp=}
  shift
  mkdir -p "$basetemp"  # pytest makes its basetemp, not the parents
fi
workers=${LATCHKEY_E2E_WORKERS:-3}
pytest=(/usr/bin/python3 -m pytest -q -p no:cacheprovider)

at() { if [ -n "$basetemp" ]; then echo "--basetemp=$basetemp/$1"; fi; }

if [ "$workers" = 0 ]; then
  exec "${pytest[@]}" $(at serial) "$@" tests/e2e
fi

failed=0
"${pytest[@]}" $(at parallel) -n "$workers" --dist loadfile -m "not stops_postgres and not timing" "$@" tests/e2e || failed=1
# Exit code 5: no test selected (the caller's arguments left none of them).
"${pytest[@]}" $(at alone) -m "stops_postgres or timing" "$@" tests/e2e || { rc=$?; [ $rc -eq 5 ] || failed=1; }
exit $failed
