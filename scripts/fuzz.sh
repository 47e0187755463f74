#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan in
# build-fuzz, runs every regression input once, then fuzzes each target for
# SECONDS (default 60) on a temporary copy of its seed corpus: new corpus
# files never land in the repository. Prints, per target, the executions,
# executions per second and crashes found; exits non-zero on any crash,
# leak, timeout or out-of-memory, or on a regression input that fails.
#
#   scripts/fuzz.sh [SECONDS]          (make fuzz FUZZ_SECONDS=...)
#   FUZZ_TARGETS="request_fuzz" scripts/fuzz.sh 300    only some targets
#
# A finding's input is kept in build-fuzz/findings/<target>/; once fixed, it
# belongs in fuzz/regressions/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }
build=${FUZZ_BUILD_DIR:-build-fuzz}
read -r -a targets <<< "${FUZZ_TARGETS:-jwt_verify_fuzz json_body_fuzz request_fuzz form_fuzz cookie_fuzz forwarded_fuzz client_metadata_fuzz}"

# The build dependencies, then clang and its libFuzzer / sanitizer runtimes.
bash scripts/install-deps.sh
want=(libclang-rt-14-dev)
command -v clang++ >/dev/null || want+=(clang-14)
missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "fuzz: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  echo "fuzz: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
cxx=$(command -v clang++ || command -v clang++-14)

t0=$(date +%s)
mkdir -p "$build"
# -O1 without -DNDEBUG: assertions (Boost's included) stay on.
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DLATCHKEY_FUZZ=ON -DLATCHKEY_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
  > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j2 --target "${targets[@]}"
echo "fuzz: built in $(( $(date +%s) - t0 )) s"

# Sanitizer reports end the run (libFuzzer counts them as crashes).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

work=$(mktemp -d /tmp/latchkey-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
summary=()

for t in "${targets[@]}"; do
  bin="$PWD/$build/fuzz/$t"
  dict=()
  [ -f "fuzz/${t%_fuzz}.dict" ] && dict=(-dict="$PWD/fuzz/${t%_fuzz}.dict")

  # Every regression input, once.
  reg_status="-"
  mapfile -t regs < <(find "fuzz/regressions/$t" -type f ! -name '.*' 2>/dev/null | sort)
  if [ ${#regs[@]} -gt 0 ]; then
    if "$bin" "${regs[@]}" > "$work/$t.regressions.log" 2>&1; then
      reg_status="${#regs[@]} ok"
    else
      reg_status="FAILED"
      failed=1
      echo "fuzz: $t: a regression input fails:" >&2
      tail -n 40 "$work/$t.regressions.log" >&2
    fi
  fi

  # Fuzzing, in a scratch directory on a copy of the seeds.
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  cp -r "fuzz/corpus/$t/." "$work/$t/corpus/"
  set +e
  (cd "$work/$t" && "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" "${dict[@]}" corpus) \
     > "$work/$t.log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t.log" | tail -n 1)
  found=$(find "$work/$t/artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi  # died without an artifact
  if [ "$found" -gt 0 ]; then
    failed=1
    keep="$build/findings/$t"
    mkdir -p "$keep"
    cp "$work/$t/artifacts/"* "$keep/" 2>/dev/null || true
    cp "$work/$t.log" "$keep/fuzz.log"
    echo "fuzz: $t: FOUND $found (inputs and log in $keep):" >&2
    grep -E -m 5 'ERROR:|runtime error|FINDING|SUMMARY' "$work/$t.log" >&2 || tail -n 20 "$work/$t.log" >&2
  fi
  summary+=("$(printf '%-16s %12s %8s %8s %12s' "$t" "${runs:-?}" "${rate:-?}" "$found" "$reg_status")")
done

echo
printf '%-16s %12s %8s %8s %12s\n' target runs exec/s crashes regressions
printf '%s\n' "${summary[@]}"
echo "fuzz: ${seconds} s per target, done in $(( $(date +%s) - t0 )) s"
exit "$failed"
