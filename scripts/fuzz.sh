#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan in
# build-asan (scripts/sanitized-build.sh; after `make test` they are built),
# runs every regression input once, then fuzzes each target for SECONDS
# (default 60), one target per core at a time, on a temporary copy of its seed corpus: new corpus
# files never land in the repository. Prints, per target, the executions,
# executions per second and crashes found; exits non-zero on any crash,
# leak, timeout or out-of-memory, or on a regression input that fails.
#
#   scripts/fuzz.sh [SECONDS]          (make fuzz FUZZ_SECONDS=...)
#   FUZZ_TARGETS="request_fuzz" scripts/fuzz.sh 300    only some targets
#
# A finding's input is kept in build-asan/findings/<target>/; once fixed, it
# belongs in fuzz/regressions/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }
build=${FUZZ_BUILD_DIR:-build-asan}
read -r -a targets <<< "${FUZZ_TARGETS:-jwt_verify_fuzz json_body_fuzz request_fuzz form_fuzz cookie_fuzz forwarded_fuzz client_metadata_fuzz authorization_request_fuzz webauthn_fuzz mail_address_fuzz}"

t0=$(date +%s)
# The sanitized tree, shared with the sanitized tests (scripts/sanitized-build.sh):
# after `make test` the targets are built already.
SANITIZED_BUILD_DIR="$build" bash scripts/sanitized-build.sh "${targets[@]}"
echo "fuzz: built in $(( $(date +%s) - t0 )) s"
build_abs=$(cd "$build" && pwd)

# Sanitizer reports end the run (libFuzzer counts them as crashes).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

work=$(mktemp -d /tmp/latchkey-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
# One target: its regression inputs, then fuzzing in a scratch directory on a
# copy of the seeds. Writes its summary line to $work/$t.summary and leaves
# $work/$t.failed when anything failed.
fuzz_one() {
  local t=$1
  local bin="$build_abs/fuzz/$t"
  local dict=()
  [ -f "fuzz/${t%_fuzz}.dict" ] && dict=(-dict="$PWD/fuzz/${t%_fuzz}.dict")

  local reg_status="-"
  local regs
  mapfile -t regs < <(find "fuzz/regressions/$t" -type f ! -name '.*' 2>/dev/null | sort)
  if [ ${#regs[@]} -gt 0 ]; then
    if "$bin" "${regs[@]}" > "$work/$t.regressions.log" 2>&1; then
      reg_status="${#regs[@]} ok"
    else
      reg_status="FAILED"
      touch "$work/$t.failed"
      { echo "fuzz: $t: a regression input fails:"; tail -n 40 "$work/$t.regressions.log"; } >&2
    fi
  fi

  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  cp -r "fuzz/corpus/$t/." "$work/$t/corpus/"
  local rc=0
  (cd "$work/$t" && "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" "${dict[@]}" corpus) \
     > "$work/$t.log" 2>&1 || rc=$?
  local runs rate found
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t.log" | tail -n 1)
  found=$(find "$work/$t/artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi  # died without an artifact
  if [ "$found" -gt 0 ]; then
    touch "$work/$t.failed"
    local keep="$build/findings/$t"
    mkdir -p "$keep"
    cp "$work/$t/artifacts/"* "$keep/" 2>/dev/null || true
    cp "$work/$t.log" "$keep/fuzz.log"
    { echo "fuzz: $t: FOUND $found (inputs and log in $keep):"
      grep -E -m 5 'ERROR:|runtime error|FINDING|SUMMARY' "$work/$t.log" || tail -n 20 "$work/$t.log"; } >&2
  fi
  printf '%-26s %12s %8s %8s %12s\n' "$t" "${runs:-?}" "${rate:-?}" "$found" "$reg_status" > "$work/$t.summary"
}

# One target per core at a time: each fuzzer is one process on one core.
parallel=$(nproc)
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$parallel" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait || true
failed=0
for t in "${targets[@]}"; do
  # No summary: the target's run broke off (a bug of this script's).
  if [ -e "$work/$t.failed" ] || [ ! -e "$work/$t.summary" ]; then failed=1; fi
done

echo
printf '%-26s %12s %8s %8s %12s\n' target runs exec/s crashes regressions
for t in "${targets[@]}"; do cat "$work/$t.summary" 2>/dev/null || echo "$t: no summary"; done
echo "fuzz: ${seconds} s per target, done in $(( $(date +%s) - t0 )) s"
exit "$failed"
