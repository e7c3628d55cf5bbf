#!/usr/bin/env bash
# Why the fa3-style anchor (dense attention that also records block maxima) takes 1.03-1.14x its dense kernel (run 25):
# dense against anchor on the same inputs, alternating over rounds, with the kernel as shipped and with each anchor
# probe (validation/build_fa3_anchor_probes.sh: plain store for the atomic, no warp fold, no -inf fill); Nsight
# Compute's full set at S = 16K (d = 64, 128) on --profile's three launches, dense, sparse and anchor (run 26 ran
# dense and anchor alone, before the anchor moved last); and split-KV decode at b = 1, 32K, d = 64 over 32, 128 and
# 256 splits (both kernels). Run from a folder holding the binaries in bin/. Everything lands in
# OUT/anchor_probe.tar.xz (records, logs, Nsight Compute's details and per-instruction source pages).
# Usage: run_fa3_anchor_probe_on_gpu.sh OUT [LIMIT_S]
set -uo pipefail
out=$1
limit_s=${2:-540}
s=$(cd "$(dirname "$0")" && pwd)
. "$s/gpu_call.sh"
b=bin/cascadesim-fa3-bench
for probe in 0 1 2 3; do
  exe=$b
  ((probe > 0)) && exe=$b-probe$probe
  step 90 anchor_ab_probe$probe.log $exe --anchor-ab "$out/anchor_ab_probe$probe.json" 2048,4096,8192,16384,32768 \
    64,128 20 3
done
for d in 64 128; do
  step 120 ncu_s16k_d$d.log ncu --set full --import-source yes -k regex:attention_fa3 --launch-count 3 \
    -o "$out/logs/ncu_s16k_d$d" $b --profile 16384 $d 5 0 1
  step 60 ncu_s16k_d${d}_details.txt ncu -i "$out/logs/ncu_s16k_d$d.ncu-rep" --print-details all
  step 60 ncu_s16k_d${d}_source.csv ncu -i "$out/logs/ncu_s16k_d$d.ncu-rep" --page source --csv --print-source sass
done
for splits in 32 128 256; do
  step 60 ncu_decode_s$splits.txt ncu --section SpeedOfLight --section LaunchStats --section Occupancy \
    --section WarpStateStats --section MemoryWorkloadAnalysis --section SchedulerStats -k regex:decode \
    --launch-count 2 $b --decode-profile 1 32768 64 $splits
done
stop_clock_log
rm -f "$out"/logs/*.ncu-rep
mv "$out"/anchor_ab_probe*.json "$out/logs/"
echo "== anchor / dense, median of each round (probe 0: as shipped; 1: store; 2: no fold; 3: no fill)"
for probe in 0 1 2 3; do
  grep -h "anchor/dense" "$out/logs/anchor_ab_probe$probe.log" | awk -v p=$probe '{print "probe " p ": " $0}' |
    sed 's/no-pingpong+persistent+anchor-probe[0-9]//'
done
for f in "$out"/logs/ncu_decode_s*.txt; do echo "== $f"; grep -E "decode_|Duration|Achieved Occupancy" "$f" | head -8; done
tar -C "$out" -cJf "$out/anchor_probe.tar.xz" logs && rm -rf "$out/logs"
ls -la "$out"
