#!/usr/bin/env bash
# sweep_parallel_bench.sh [CASCADESIM] [ROUNDS]: the simulate backend's parallel efficiency, T1 / (2 x T2), from one
# to two workers: -j 1 against -j 2 (this process and one forked worker process), and mpirun -n 1 against -n 2.
# Times are the sweep's own wall time ("evaluated in X s": spec loaded, outputs written), median of ROUNDS.
# Run from the repository root on an otherwise idle machine.
set -euo pipefail
exe=${1:-build/sim/cascadesim}
rounds=${2:-5}
spec=bench/sweep_parallel_bench.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

seconds() {  # the sweep's wall time from its summary line
  sed -n 's/.* evaluated in \([0-9.]*\) s .*/\1/p'
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

declare -A times
for r in $(seq "$rounds"); do
  for mode in j1 j2 mpi1 mpi2; do
    rm -rf "$work/out"
    case $mode in
      j1) t=$("$exe" sweep "$spec" --out "$work/out" -j 1 2>/dev/null | seconds) ;;
      j2) t=$("$exe" sweep "$spec" --out "$work/out" -j 2 2>/dev/null | seconds) ;;
      mpi1) t=$(mpirun --oversubscribe -n 1 "$exe" sweep "$spec" --out "$work/out" 2>/dev/null | seconds) ;;
      mpi2) t=$(mpirun --oversubscribe -n 2 "$exe" sweep "$spec" --out "$work/out" 2>/dev/null | seconds) ;;
    esac
    echo "round $r, $mode: $t s"
    times[$mode]+="$t "
  done
done
for mode in j1 j2 mpi1 mpi2; do
  m=$(tr ' ' '\n' <<<"${times[$mode]}" | grep . | median)
  printf -v "median_$mode" '%s' "$m"
  echo "$mode: median $m s"
done
awk -v a="$median_j1" -v b="$median_j2" 'BEGIN {printf "threads/processes 1 -> 2: efficiency %.1f%% (%.3f s -> %.3f s)\n", 100 * a / (2 * b), a, b}'
awk -v a="$median_mpi1" -v b="$median_mpi2" 'BEGIN {printf "MPI ranks 1 -> 2: efficiency %.1f%% (%.3f s -> %.3f s)\n", 100 * a / (2 * b), a, b}'
