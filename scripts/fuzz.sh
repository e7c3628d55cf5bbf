#!/usr/bin/env bash
# fuzz.sh [MAX_SECONDS_PER_TARGET] [TARGET...]: builds the libFuzzer targets (clang-14, ASan + UBSan) in
# $FUZZ_BUILD_DIR (default build-fuzz; CI uses its sanitizer build, configured with CASCADESIM_FUZZ) and runs each
# over its corpus (tests/fuzz/corpus/<target>, seeded from the shipped configs; new inputs go to
# build-fuzz/corpus/<target>). A run is deterministic: seed $FUZZ_SEED (default 1) and a fixed number of executions
# per target, sized for about 15 s on CI's 2-core machine, with address-space randomization off for the fuzzer
# (setarch -R) and no timed corpus reloads (-reload=0). libFuzzer feeds compared values back into its mutations,
# and with randomized addresses the same seed grew different corpora (study_fuzzer, 8000 runs, seed 1: 314 and 315
# inputs, different files; with -R 335 and 335, the same files); and it re-reads its corpus folder every few
# seconds, so a run's timing changed its inputs (two CI runs of d536b37: 710 and 712 inputs after 60000 runs;
# 30000 runs with -R and -reload=0: 585 and 585, the same files, in 157 s and 24 s). MAX_SECONDS_PER_TARGET (default 60) only bounds a slower machine, which then runs
# a prefix of the same inputs. FUZZ_RUNS=-1 explores for the whole time instead, with a seed from the clock. Prints executions and time per target; a finding stops the run with
# the crashing input saved as build-fuzz/findings/<target>/crash-*, to be turned into a regression input
# (tests/fuzz/regressions/<target>/). The JSON targets take tests/fuzz/json.dict. Needs clang-14 and libclang-rt-14-dev (scripts/install_deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
seed=${FUZZ_SEED:-1}
# Executions per target: about three quarters of what each did in 20 s under CI's ASan build (fe86750).
declare -A runs_of=([study_fuzzer]=60000 [hardware_preset_fuzzer]=15000 [model_preset_fuzzer]=2000
                    [sweep_spec_fuzzer]=60000 [measured_fuzzer]=80000 [measured_resume_fuzzer]=40000
                    [schedule_fuzzer]=400000)
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
# Without randomization where the kernel allows it (setarch needs the personality syscall).
fixed_addresses=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
  fixed_addresses=(setarch "$(uname -m)" -R)
else
  echo "fuzz.sh: setarch -R is not allowed here: runs with address-space randomization, so inputs may differ" >&2
fi
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/findings/$t"
  log="$build/findings/$t/fuzz.log"
  runs=${FUZZ_RUNS:-${runs_of[$t]:--1}}
  if [ "$runs" = -1 ]; then determinism=(); else determinism=(-seed="$seed" -runs="$runs" -reload=0); fi
  [ "$runs" = -1 ] && run=() || run=("${fixed_addresses[@]}")
  # The JSON formats' dictionary: their keys and runs of nesting that reach the depth limit in a short input.
  [ "$t" = schedule_fuzzer ] && dictionary=() || dictionary=(-dict=tests/fuzz/json.dict)
  # -timeout: an input running longer than 10 s is a hang; -rss_limit_mb/-malloc_limit_mb: memory without bound.
  if "${run[@]}" "$build/tests/fuzz/$t" "$build/corpus/$t" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" \
    "${determinism[@]}" "${dictionary[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=16384 \
    -artifact_prefix="$build/findings/$t/" -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result="FINDING (see $log)"
    status=1
  fi
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^stat::.*//; s/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
  corpus=$(ls "$build/corpus/$t" | wc -l)
  printf '%-24s %10s executions in %4s s, %5s inputs in %s: %s\n' "$t" "${executed:-?}" "${took:-$seconds}" \
    "$corpus" "$build/corpus/$t" "$result"
done
exit $status
