#!/usr/bin/env bash
# Run 21 of reports/measured/h100-fa3 in one device call: checks of the fa3-style kernel at 128 x 128 and 64 x 64 tiles
# (and its deep-buffer option), the runner's checks (the fa3-style cascade now runs its coarse stage through the 64 x 64
# tiles), compute-sanitizer on the new configuration, the coarse stage fa2-style beside fa3-style, sparse top_k 1-5
# with the default and the deep buffers, the runner's cascades, decode with split-count sweeps and the copy bandwidth,
# and Nsight Compute on one top_k 2 pass. Run from a folder holding bin/ (cascadesim-fa3-bench, cascadesim-validate)
# and src/validation (the device call carries them as .gpu/). Usage: run_fa3_tiles_on_gpu.sh OUT [LIMIT_S]; each step
# is cut at the seconds left of LIMIT_S (default 540), so that the logs are packed before the call's limit.
set -uo pipefail
out=$1; limit=${2:-540}; b=bin/cascadesim-fa3-bench; r=bin/cascadesim-validate; s=src/validation; l=$out/logs
mkdir -p $l
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw,power.limit --format=csv > $l/nvidia_smi.csv
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active --format=csv -lms 500 > $l/clocks.csv 2>&1 &
smi=$!
step() {
  local t=$1 log=$2 left=$((limit - SECONDS)); shift 2
  if ((left < t)); then t=$left; fi
  if ((t < 10)); then echo "$log skipped: out of time"; return; fi
  timeout $t "$@" > $l/$log 2>&1; echo "$log rc $?: $(tail -1 $l/$log)"
}
step 120 fa3_check.log $b --check
step 150 runner_check.log $r --check
step 60 decode_check.log $b --decode-check
step 100 coarse.log $b --time-coarse $out/coarse.json
step 150 lowk.log $b --time-lowk $out/lowk.json
step 120 decode.log $b --decode-time $out/decode.json
step 100 runner_cascade.log $r $s/cases/fa3_cascade.json --out $out/runner_cascade.json
for q in "0 0" "4 4"; do
  step 90 ncu_s16k_d64_top2_q${q// /s}.txt ncu --kernel-name regex:attention_fa3_kernel --launch-skip 1 --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats \
    --section SchedulerStats --section WarpStateStats $b --profile 16384 64 2 0 1 $q
done
step 120 memcheck.log compute-sanitizer --tool memcheck $b --check 7
step 120 racecheck.log compute-sanitizer --tool racecheck $b --check 7 8
step 60 synccheck.log compute-sanitizer --tool synccheck $b --check 7 8
cuobjdump --dump-sass $b | grep -oE "Function : \S+|HGMMA\.[0-9x]+|UTMALDG\.[0-9A-Z]+|USETMAXREG" | uniq -c > $l/sass_counts.txt
kill $smi
cat $l/coarse.log; grep -E "sparse|dense" $l/lowk.log; grep -E "copy|ctx=(64|4096) " $l/decode.log
tar -C $out -czf $out/logs.tar.gz logs && rm -rf $l
