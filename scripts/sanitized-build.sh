#!/usr/bin/env bash
# The sanitized build, one tree for two uses: the tests run again against it
# (scripts/sanitize-tests.sh --asan) and the libFuzzer targets are built in
# it (scripts/fuzz.sh). clang, AddressSanitizer with leak checks,
# UndefinedBehaviorSanitizer, and libFuzzer's coverage instrumentation
# (fuzzer-no-link: inert outside a fuzz target) on every object.
#
#   scripts/sanitized-build.sh [TARGET ...]     default: every target
#   SANITIZED_BUILD_DIR=dir                     default: build-asan
#
# Why one tree: CI used to build the code twice, with gcc for the sanitized
# tests and with clang for the fuzzers (libFuzzer needs clang). Measured on
# the 2-core machine, no ccache: gcc's ASan tree 712 s plus clang's fuzz tree
# 230 s, against about 400 s for this one with the tests and the fuzzers.
#
# -O1 -g1 (line tables: all a report's stack needs) and no -DNDEBUG:
# assertions, Boost's included, stay on for the tests as for the fuzzers.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${SANITIZED_BUILD_DIR:-build-asan}

# The build dependencies, then clang and its libFuzzer / sanitizer runtimes.
bash scripts/install-deps.sh --sanitize
cxx=$(command -v clang++ || command -v clang++-14)

# A tree configured with another compiler (an older gcc build-asan) cannot
# switch: CMake keeps the compiler it first found.
if [ -f "$build/CMakeCache.txt" ] && ! grep -q "^CMAKE_CXX_COMPILER:[A-Z]*=$cxx\$" "$build/CMakeCache.txt"; then
  echo "sanitized-build: $build was configured with another compiler: starting it over" >&2
  rm -rf "$build"
fi

mkdir -p "$build"
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DLATCHKEY_SANITIZE=ON -DLATCHKEY_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" \
  > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }

targets=()
for t in "$@"; do targets+=(--target "$t"); done
# Test discovery runs the unit test binary while building: no sanitizer
# report files from it.
env -u ASAN_OPTIONS -u UBSAN_OPTIONS cmake --build "$build" -j2 "${targets[@]}"
