#!/usr/bin/env bash
# memcheck.sh [BUILD_DIR]: valgrind memcheck over a built tree (default build): `cascadesim predict` and
# `cascadesim simulate` on a small study (the analytical models, the config loader and the SystemC simulator), the
# hardware components' tests, and the validation host code's tests (the CUDA runner's host side without a GPU;
# reports/measured/h100/README.md has the runner itself under valgrind on the GPU). Any error or definite leak fails.
#
# --max-stackframe=65536: Debian's SystemC runs each SC_THREAD on its own QuickThreads stack of
# SC_DEFAULT_STACK_SIZE = 256 KiB, allocated next to each other and registered nowhere. memcheck takes a stack-pointer
# move below --max-stackframe (default 2 MiB) for a frame being pushed or popped, so every coroutine switch marks the
# other stacks' live frames as undefined or unaddressable: millions of false reports. A move of 64 KiB or more is a
# stack switch: below the 256 KiB spacing of the coroutine stacks and above any frame of ours
# (-Wframe-larger-than=65536 in the Release build).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
memcheck=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
          --show-leak-kinds=definite --max-stackframe=65536)
run() {
  local start=$SECONDS
  "${memcheck[@]}" "$@" >/dev/null
  echo "memcheck clean ($((SECONDS - start)) s): ${*#"$build/"}"
}
run "$build/sim/cascadesim" predict
run "$build/sim/cascadesim" simulate tests/data/sim_small.json
run "$build/tests/hw/hw_test"
run "$build/tests/validation/validation_test"
