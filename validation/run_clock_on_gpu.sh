#!/usr/bin/env bash
# Clocks and power beside measured times, in one device call: cuBLAS on every GEMM shape of the shipped models, each
# timed as a burst and then sustained for SUSTAIN_S seconds, with the SM clock and board power sampled during both; and a large
# GEMM, cuDNN attention and a device copy each sustained for LONG_S seconds (validation/clock/sustained_clock.py).
# Run from the repository root. Usage: validation/run_clock_on_gpu.sh OUT [SUSTAIN_S] [LONG_S]
set -uo pipefail
out=$1
sustain_s=${2:-1.0}
long_s=${3:-15}
mkdir -p "$out/logs"
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw,power.limit \
  --format=csv | tee "$out/logs/nvidia_smi.csv"
echo "== sustained_clock"
timeout 150 python3 validation/clock/sustained_clock.py --out "$out/sustained_clock.json" --seconds "$long_s" \
  2>&1 | tee "$out/logs/sustained_clock.log"
echo "== gemm_shapes --sustain-s $sustain_s"
timeout 400 python3 validation/layers/gemm_shapes.py --models configs/models --out "$out/gemm.json" \
  --sustain-s "$sustain_s" >"$out/logs/gemm.log" 2>&1
echo "rc $?"
head -4 "$out/logs/gemm.log"
grep -E "prefill +(4096|32768)" "$out/logs/gemm.log" | head -30
tail -3 "$out/logs/gemm.log"
