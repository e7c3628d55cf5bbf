#!/usr/bin/env bash
# Why fa3-style dense attention runs at 432 TFLOP/s at d = 64 and 591 at d = 128 (S = 32K, run 25): Nsight Compute's
# full set, with every section's body (pipe utilization, warp stall reasons), on the dense pass of each head dim (the
# first launch of --profile; no ping-pong, persistent: the defaults). Run from a folder holding bin/cascadesim-fa3-bench.
# Usage: run_fa3_d64_profile_on_gpu.sh OUT
set -uo pipefail
out=$1
b=bin/cascadesim-fa3-bench
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.draw,power.limit --format=csv >"$out/nvidia_smi.csv"
for d in 64 128; do
  timeout 240 ncu --set full --print-details all -k regex:attention_fa3 --launch-count 1 \
    $b --profile 32768 $d 5 0 1 >"$out/ncu_dense_s32k_d$d.txt" 2>&1
  echo "== d = $d: rc $?"
  grep -E "Duration|SM Frequency|Compute \(SM\) Throughput|Issue Slots Busy|highest-utilized|No Eligible|Warp Cycles Per Issued" \
    "$out/ncu_dense_s32k_d$d.txt" | head -12
done
