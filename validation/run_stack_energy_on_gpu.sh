#!/usr/bin/env bash
# Issues 16 and 17 in one device call: the 16-layer LLaMA-3.2-1B prefill stacks of layer_stack.py (fa3-style dense
# and 1D+3A+12R top_k 5, S = 4K-32K), each timed as a burst and then run back to back for seconds with the SM clock,
# power and NVML's energy counter sampled, converted to stack records with their sustained time, clock and energy.
# Run from a folder holding bin/libcascadesim_attention.so and src/ (validation/, configs/): the call carries .gpu/.
# Usage: run_stack_energy_on_gpu.sh OUT [LIMIT_S]
set -uo pipefail
out=$1
limit_s=${2:-540}
s=src/validation
source "$(dirname "$0")/gpu_call.sh"
export PYTHONUNBUFFERED=1
lib="$PWD/bin/libcascadesim_attention.so"
step 480 layers.log python3 $s/layers/layer_stack.py --lib "$lib" --out "$out/layers.json" --sustain-s 4
grep -E "FAIL|stack 16|sustained|Error|error:" "$out/logs/layers.log" | head -40
python3 $s/layers/stack_records.py "$out/layers.json" "$out/stack_records.json"
stop_clock_log
tar -C "$out" -czf "$out/logs.tar.gz" logs && rm -rf "$out/logs"
