#!/usr/bin/env bash
# Energy, clocks and power beside measured times, in one device call (each step cut at the seconds left of LIMIT_S):
#  1. the runner on validation/cases/energy.json with --energy-s ENERGY_S: every case timed as a burst, then the board
#     idle for 1 s, then the case back to back for ENERGY_S seconds with NVML's energy counter, power and SM clock;
#  2. cuBLAS on every GEMM shape of the shipped models, each timed as a burst and then sustained for SUSTAIN_S
#     seconds, with the clock, power and energy counter sampled during both (validation/layers/gemm_shapes.py);
#  3. a large GEMM, cuDNN attention and a device copy each sustained for LONG_S seconds
#     (validation/clock/sustained_clock.py).
# On an H200 steps 2 and 3 give way to the prefill and decode references (cascadesim-fa3-bench, SDPA).
# Run from a folder holding bin/cascadesim-validate, bin/cascadesim-fa3-bench and src/ (validation/, configs/): the device call carries them as
# .gpu/. Usage: run_energy_on_gpu.sh OUT [LIMIT_S] [ENERGY_S] [SUSTAIN_S] [LONG_S]
set -uo pipefail
out=$1
limit_s=${2:-570}
energy_s=${3:-2.5}
sustain_s=${4:-1.5}
long_s=${5:-10}
s=src/validation
source "$(dirname "$0")/gpu_call.sh"
export PYTHONUNBUFFERED=1
step 230 energy.log bin/cascadesim-validate $s/cases/energy.json --out "$out/energy_measured.json" --energy-s "$energy_s"
head -3 "$out/logs/energy.log"
tail -4 "$out/logs/energy.log"
if on_h200; then
  # No H200 figures exist yet (reports/measured/h100-fa3/README.md): on an H200 the rest of the call measures the
  # prefill and decode references instead of the GEMM and clock steps.
  h200_references
  stop_clock_log
  tar -C "$out" -czf "$out/logs.tar.gz" logs && rm -rf "$out/logs"
  exit 0
fi
step 260 gemm.log python3 $s/layers/gemm_shapes.py --models src/configs/models --out "$out/gemm.json" \
  --sustain-s "$sustain_s"
head -4 "$out/logs/gemm.log"
grep -E "prefill +(4096|32768)" "$out/logs/gemm.log" | head -12
tail -3 "$out/logs/gemm.log"
step 100 sustained_clock.log python3 $s/clock/sustained_clock.py --out "$out/sustained_clock.json" --seconds "$long_s"
cat "$out/logs/sustained_clock.log"
stop_clock_log
grep -E "energy|median" "$out/logs/energy.log" | head -100
tar -C "$out" -czf "$out/logs.tar.gz" logs && rm -rf "$out/logs"
