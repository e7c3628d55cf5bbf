#!/usr/bin/env bash
# The fa3-style family's training and held-out records (issue 16) in one device call: the runner's checks, the
# micro-benchmarks (copy and L2 bandwidth, launch gaps), then the runner over validation/cases/fa3_full_grid.json (the
# fa2-style H100 grid's 264 kernel cases run by the fa3-style kernels), resumed once if the first pass was cut. Run
# from a folder holding bin/cascadesim-validate and src/validation (the device call carries them as .gpu/).
# Usage: run_fa3_training_grid_on_gpu.sh OUT [LIMIT_S]
set -uo pipefail
out=$1
limit_s=${2:-540}
s=src/validation
r=bin/cascadesim-validate
source "$(dirname "$0")/gpu_call.sh"
step 120 runner_check.log $r --check
tail -n 2 "$out/logs/runner_check.log"
step 60 micro.log $r --micro --out "$out/micro.json"
tail -n 2 "$out/logs/micro.log"
step 330 grid.log $r $s/cases/fa3_full_grid.json --out "$out/measured.json"
tail -n 2 "$out/logs/grid.log"
step 120 grid_resume.log $r $s/cases/fa3_full_grid.json --out "$out/measured.json" --resume
tail -n 2 "$out/logs/grid_resume.log"
stop_clock_log
tar -C "$out" -czf "$out/logs.tar.gz" logs && rm -rf "$out/logs"
