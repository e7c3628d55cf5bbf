#!/usr/bin/env bash
# tsan.sh [BUILD_DIR]: the threaded sweep under ThreadSanitizer. Builds (clang-14, CASCADESIM_SANITIZE_THREAD, in
# BUILD_DIR, default build-tsan) only what the sweep runs, then: the sweep's tests (threads for the analytical
# backend, forked workers with helper threads for the simulator), its worker-process tests, and the command-line
# sweep over threads, worker processes and 2 and 4 MPI ranks (tests/cli/sweep_over_mpi.sh). Any report fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-tsan}
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
    -DCMAKE_UNITY_BUILD=ON -DCASCADESIM_SANITIZE_THREAD=ON -DCASCADESIM_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target sweep_test sweep_workers_test cascadesim
# Reports go to files (the CLI test hides the program's stderr); halt_on_error makes the run exit non-zero.
rm -f "$build"/tsan-report.*
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/sanitizers/tsan.supp:log_path=$PWD/$build/tsan-report"
status=0
"$build/tests/sim/sweep_test" >/dev/null && "$build/tests/sim/sweep_workers_test" >/dev/null &&
  bash tests/cli/sweep_over_mpi.sh "$build/sim/cascadesim" "$build/sweep-over-mpi" || status=1
if compgen -G "$build/tsan-report.*" >/dev/null; then
  cat "$build"/tsan-report.*
  status=1
fi
[ $status -eq 0 ] && echo "ThreadSanitizer: no report from the sweep's tests and the sweep over threads, processes and ranks"
exit $status
