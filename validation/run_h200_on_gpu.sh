#!/usr/bin/env bash
# Issue 15's H200 references and an H200 copy of the H100 calibration data, in one device call: the fa3-style and
# decode checks; the prefill and decode references of h200_references (fa3-style grid, SDPA cuDNN and flash, decode,
# SDPA decode); the runner on fa3_grid.json (the cases of run 10); cuBLAS on every shipped GEMM shape; the 16-layer
# stacks; the runner's checks with what time is left. On any other card it prints the card and stops, so a call that
# was lent an H100 costs only its start. Run from a folder holding bin/ (cascadesim-fa3-bench, cascadesim-validate,
# libcascadesim_attention.so) and src/ (validation/, configs/): the device call carries them as .gpu/.
# Usage: run_h200_on_gpu.sh OUT [LIMIT_S]
set -uo pipefail
out=$1
limit_s=${2:-560}
card=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
if [[ $card != *H200* ]]; then
  echo "not an H200 ($card): nothing run"
  exit 0
fi
s=src/validation
b=bin/cascadesim-fa3-bench
r=bin/cascadesim-validate
lib="$PWD/bin/libcascadesim_attention.so"
source "$(dirname "$0")/gpu_call.sh"
export PYTHONUNBUFFERED=1
python3 -c 'import torch; print(torch.__version__, torch.backends.cudnn.version(), torch.cuda.get_device_name(0))' \
  >"$out/logs/torch.txt" 2>&1
step 100 fa3_check.log $b --check
tail -n 2 "$out/logs/fa3_check.log"
step 40 decode_check.log $b --decode-check
tail -n 2 "$out/logs/decode_check.log"
step 60 micro.log $r --micro --out "$out/micro.json"
tail -n 2 "$out/logs/micro.log"
h200_references
step 120 runner_grid.log $r $s/cases/fa3_grid.json --out "$out/runner_fa3_grid.json"
tail -n 2 "$out/logs/runner_grid.log"
step 150 gemm.log python3 $s/layers/gemm_shapes.py --models src/configs/models --out "$out/gemm.json"
tail -n 2 "$out/logs/gemm.log"
step 200 layers.log python3 $s/layers/layer_stack.py --lib "$lib" --out "$out/layers.json"
grep -E "FAIL|stack 16|Error|error:" "$out/logs/layers.log" | head -20
step 150 runner_check.log $r --check
tail -n 3 "$out/logs/runner_check.log"
stop_clock_log
tar -C "$out" -czf "$out/logs.tar.gz" logs && rm -rf "$out/logs"
