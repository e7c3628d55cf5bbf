#!/usr/bin/env bash
# fuzz.sh [SECONDS_PER_TARGET] [TARGET...]: builds the libFuzzer targets (clang-14, ASan + UBSan) in $FUZZ_BUILD_DIR
# (default build-fuzz; CI uses its sanitizer build, configured with CASCADESIM_FUZZ) and
# runs each for a bounded time over its corpus (tests/fuzz/corpus/<target>, seeded from the shipped configs; new
# inputs go to build-fuzz/corpus/<target>). Prints executions and time per target; a finding stops the run with
# the crashing input saved as build-fuzz/findings/<target>/crash-*, to be turned into a regression input
# (tests/fuzz/regressions/<target>/). Needs clang-14 and libclang-rt-14-dev (scripts/install_deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(study_fuzzer hardware_preset_fuzzer model_preset_fuzzer sweep_spec_fuzzer
                                    measured_fuzzer measured_resume_fuzzer schedule_fuzzer)
build=${FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCASCADESIM_FUZZ=ON \
    -DCASCADESIM_BUILD_TESTS=OFF -DCASCADESIM_BUILD_BENCH=OFF >/dev/null
fi
grep -q "^CASCADESIM_FUZZ:BOOL=ON" "$build/CMakeCache.txt" || { echo "$build is not a CASCADESIM_FUZZ build" >&2; exit 2; }
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

# Findings must abort, not be recovered from; leaks count as findings too.
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/findings/$t"
  log="$build/findings/$t/fuzz.log"
  # -timeout: an input running longer than 10 s is a hang; -rss_limit_mb/-malloc_limit_mb: memory without bound.
  if "$build/tests/fuzz/$t" "$build/corpus/$t" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=16384 \
    -artifact_prefix="$build/findings/$t/" -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result="FINDING (see $log)"
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^stat::.*//; s/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
  corpus=$(ls "$build/corpus/$t" | wc -l)
  printf '%-24s %10s executions in %4s s, %5s inputs in %s: %s\n' "$t" "${runs:-?}" "${took:-$seconds}" \
    "$corpus" "$build/corpus/$t" "$result"
done
exit $status
