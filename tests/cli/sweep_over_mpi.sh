#!/usr/bin/env bash
# sweep_over_mpi.sh EXE WORK_DIR: runs an analytical sweep and a simulated one in one process, with -j 2 (threads,
# or forked worker processes for the simulator) and under mpirun with 2 and 4 ranks, and checks that every output
# file is byte-identical; then an MPI run resumed from a truncated folder, and bad input under mpirun (exit 2,
# the one line printed once, by rank 0). Run from the repository root.
set -euo pipefail
exe=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
# CI machines run the tests as root, which Open MPI refuses unless told.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Open MPI keeps allocations past MPI_Finalize; LeakSanitizer (ASan builds) would report them as leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
ranks() { mpirun --oversubscribe -n "$@"; }

# 46,464 analytical points: three chunks of 16,384 under MPI, so that ranks share them.
cat >"$work/analytical.json" <<JSON
{"schema_version": 1, "name": "mpi-analytical", "study": "configs/studies/kascade-llama-3.2-1b-32k.json",
 "axes": [{"path": "/workload/top_k", "values": [2, 5, 16]},
          {"path": "/workload/seq_len", "range": {"from": 1024, "to": 32000, "step": 2}}],
 "backend": "analytical", "objectives": ["time_ms", "speedup"],
 "pareto": {"minimize": ["time_ms"], "maximize": ["speedup"]}}
JSON
# 8 simulated points of the tests' small study, one point per chunk.
cat >"$work/simulated.json" <<JSON
{"schema_version": 1, "name": "mpi-simulated", "study": "tests/data/sim_small.json",
 "axes": [{"path": "/workload/top_k", "values": [1, 2, 4, 8]},
          {"path": "/hardware/memory/channel_bandwidth_GBps", "values": [100, 335]}],
 "backend": "both", "objectives": ["speedup", "simulated_time_ms", "simulated_speedup"],
 "pareto": {"minimize": ["simulated_time_ms"], "maximize": ["simulated_speedup"]}}
JSON

same() {  # same REFERENCE_DIR DIR
  for f in sweep.json points.csv points.jsonl pareto.csv; do
    cmp "$1/$f" "$2/$f" || { echo "FAIL: $2/$f differs from $1/$f" >&2; exit 1; }
  done
}
for spec in analytical simulated; do
  "$exe" sweep "$work/$spec.json" --out "$work/$spec-1" -j 1 >/dev/null 2>&1
  "$exe" sweep "$work/$spec.json" --out "$work/$spec-j2" -j 2 >"$work/$spec-j2.txt" 2>/dev/null
  same "$work/$spec-1" "$work/$spec-j2"
  for n in 2 4; do
    ranks "$n" "$exe" sweep "$work/$spec.json" --out "$work/$spec-mpi$n" >"$work/$spec-mpi$n.txt" 2>/dev/null
    grep -q "$n MPI ranks" "$work/$spec-mpi$n.txt" || { echo "FAIL: no '$n MPI ranks' in the summary" >&2; exit 1; }
    same "$work/$spec-1" "$work/$spec-mpi$n"
  done
done
grep -q "2 processes" "$work/simulated-j2.txt" || { echo "FAIL: -j 2 did not use 2 processes" >&2; exit 1; }

# Resumed under MPI after losing the last rows and leaving a torn one.
cp -r "$work/analytical-mpi2" "$work/resumed"
head -n 5000 "$work/analytical-1/points.csv" >"$work/resumed/points.csv"
printf '5000,2,torn' >>"$work/resumed/points.csv"
head -n 4321 "$work/analytical-1/points.jsonl" >"$work/resumed/points.jsonl"
rm "$work/resumed/pareto.csv"
ranks 4 "$exe" sweep "$work/analytical.json" --out "$work/resumed" --resume >"$work/resumed.txt" 2>/dev/null
grep -q "resumed after 4321 rows" "$work/resumed.txt" || { echo "FAIL: did not resume after 4321 rows" >&2; exit 1; }
same "$work/analytical-1" "$work/resumed"

# Bad input: every rank finds it; rank 0 alone says so, and the run exits 2.
printf '{"schema_version": 1, "name": "bad", "study": "configs/studies/kascade-llama-3.2-1b-32k.json",
 "axes": [{"path": "/workload/topk", "values": [2]}], "objectives": ["time_ms"]}' >"$work/bad.json"
rc=0
ranks 2 "$exe" sweep "$work/bad.json" --out "$work/bad" >/dev/null 2>"$work/bad.txt" || rc=$?
[ "$rc" -eq 2 ] || { echo "FAIL: bad spec under mpirun exited $rc, not 2" >&2; cat "$work/bad.txt" >&2; exit 1; }
[ "$(grep -c "bad.json: /axes/0/path: unknown parameter '/workload/topk'" "$work/bad.txt")" -eq 1 ] ||
  { echo "FAIL: the spec error is not printed exactly once" >&2; cat "$work/bad.txt" >&2; exit 1; }
rc=0
ranks 2 "$exe" sweep "$work/analytical.json" --out "$work/bad-j" -j 2 >/dev/null 2>"$work/bad-j.txt" || rc=$?
[ "$rc" -eq 2 ] && grep -q "^cascadesim sweep: -j does not apply under mpirun" "$work/bad-j.txt" ||
  { echo "FAIL: -j under mpirun was not refused with exit 2" >&2; cat "$work/bad-j.txt" >&2; exit 1; }
echo "sweeps over 1 process, -j 2 and 2 and 4 MPI ranks are byte-identical; MPI resume and bad input checked"
