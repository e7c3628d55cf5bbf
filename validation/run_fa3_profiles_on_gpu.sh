#!/usr/bin/env bash
# Nsight Compute profiles of the missed targets (run 13 of reports/measured/h100-fa3): the fa3-style sparse pass at
# top_k 5 (S = 32K, d = 64, no ping-pong, persistent, with its dense pass) and dense decode at d = 64 and 128
# (batch 16 x 128K). Run from a folder holding bin/cascadesim-fa3-bench. Usage: run_fa3_profiles_on_gpu.sh OUT
set -uo pipefail
out=$1
b=bin/cascadesim-fa3-bench
sections="--section SpeedOfLight --section MemoryWorkloadAnalysis --section ComputeWorkloadAnalysis \
  --section WarpStateStats --section Occupancy --section LaunchStats --section SchedulerStats"
timeout 200 ncu $sections -k regex:attention_fa3 $b --profile 32768 64 5 0 1 >"$out/ncu_sparse_k5_s32k_d64.txt" 2>&1
timeout 150 ncu $sections -k regex:decode $b --decode-profile 16 131072 64 >"$out/ncu_decode_b16_128k_d64.txt" 2>&1
timeout 150 ncu $sections -k regex:decode $b --decode-profile 16 131072 128 >"$out/ncu_decode_b16_128k_d128.txt" 2>&1
for f in "$out"/ncu_*.txt; do
  echo "== $f"
  grep -E "^  [a-z_].*\(|Duration|DRAM Throughput|Compute \(SM\) Throughput|Issue Slots Busy|No Eligible|Warp Cycles Per Issued|Achieved Occupancy|L2 Hit Rate" "$f" | head -24
done
