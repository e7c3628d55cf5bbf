#!/usr/bin/env bash
# The main prefill grid with its references and the checks in one device call (run 1 of reports/measured/h200-fa3,
# first made for an H200): fa3-style checks (both tiles), the runner's checks, decode checks; the fa3-style grid
# (four schedules, fa2-style, block-sparse top_k 1-16), PyTorch SDPA cuDNN and flash on the same dense grid, decode
# timings (split sweeps, copy bandwidth) and SDPA decode; the fa3_summary.py tables. Run from a folder holding
# BIN/cascadesim-fa3-bench, bin/cascadesim-validate and src/validation (the device call carries them as .gpu/).
# Usage: run_fa3_grid_on_gpu.sh OUT [LIMIT_S [BIN]]; each step is cut at the seconds left of LIMIT_S (default 540);
# BIN (default bin) is the folder of the fa3 bench to run. Each step's start and end time go to logs/steps.log, to be
# read beside logs/clocks.csv (SM clock and power every 500 ms).
set -uo pipefail
out=$1; limit=${2:-540}; bin=${3:-bin}; b=$bin/cascadesim-fa3-bench; r=bin/cascadesim-validate
s=src/validation; l=$out/logs
mkdir -p $l
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,clocks.max.mem,temperature.gpu,power.draw,power.limit,memory.total --format=csv > $l/nvidia_smi.csv
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active --format=csv -lms 500 > $l/clocks.csv 2>&1 &
smi=$!
python3 -c 'import torch; print(torch.__version__, torch.backends.cudnn.version(), torch.cuda.get_device_name(0), torch.cuda.get_device_properties(0))' > $l/torch.txt 2>&1
step() {
  local t=$1 log=$2 left=$((limit - SECONDS)); shift 2
  if ((left < t)); then t=$left; fi
  if ((t < 10)); then echo "$log skipped: out of time"; return; fi
  local t0; t0=$(date +%T.%N)
  timeout $t "$@" > $l/$log 2>&1; local rc=$?
  echo "$t0 $(date +%T.%N) $log rc $rc" >> $l/steps.log; echo "$log rc $rc: $(tail -1 $l/$log)"
}
export PYTHONUNBUFFERED=1
step 100 fa3_check.log $b --check
step 40 decode_check.log $b --decode-check
step 150 timing.log $b --time $out/fa3_measured.json
step 120 sdpa.log python3 $s/sdpa_backends_reference.py --out $out/sdpa.json
step 100 decode_timing.log $b --decode-time $out/decode_measured.json
step 60 sdpa_decode.log python3 $s/sdpa_backends_reference.py --decode --out $out/sdpa_decode.json
step 100 runner_check.log $r --check
kill $smi
python3 $s/fa3_summary.py $out/fa3_measured.json $out/sdpa.json --schedule no-pingpong+persistent > $out/summary.md 2>&1
head -40 $out/summary.md
grep -E "copy" $l/decode_timing.log | head -3
tar -C $out -czf $out/logs.tar.gz logs && rm -rf $l
