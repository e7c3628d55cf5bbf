#!/usr/bin/env bash
# Run 22 of reports/measured/h100-fa3 in one device call: an A/B of builds of cascadesim-fa3-bench (bin_old/: the build
# before the changes, bin_mid/: after the first, bin/: after all) on the low-top_k grid (old, mid, new; again at the end if time is left),
# the new build's checks
# (prefill at both tiles, runner, decode in both launch forms), compute-sanitizer on them, decode with split-count
# sweeps in both launch forms and the copy bandwidth, the runner's cascades, and Nsight Compute on one top_k 2 pass
# of each build. Run from a folder holding bin/, bin_mid/, bin_old/ and src/validation (the device call carries them as .gpu/).
# Usage: run_fa3_ab_on_gpu.sh OUT [LIMIT_S]; each step is cut at the seconds left of LIMIT_S (default 540). Each step's
# start and end time go to logs/steps.log, to be read beside logs/clocks.csv (SM clock and power every 500 ms).
set -uo pipefail
out=$1; limit=${2:-540}; b=bin/cascadesim-fa3-bench; r=bin/cascadesim-validate
s=src/validation; l=$out/logs
mkdir -p $l
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw,power.limit --format=csv > $l/nvidia_smi.csv
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active --format=csv -lms 500 > $l/clocks.csv 2>&1 &
smi=$!
step() {
  local t=$1 log=$2 left=$((limit - SECONDS)); shift 2
  if ((left < t)); then t=$left; fi
  if ((t < 10)); then echo "$log skipped: out of time"; return; fi
  local t0; t0=$(date +%T.%N)
  timeout $t "$@" > $l/$log 2>&1; local rc=$?
  echo "$t0 $(date +%T.%N) $log rc $rc" >> $l/steps.log; echo "$log rc $rc: $(tail -1 $l/$log)"
}
step 120 fa3_check.log $b --check
step 60 decode_check.log $b --decode-check
step 150 runner_check.log $r --check
lowk() {
  for v in old mid new; do
    x=bin_$v; [ $v = new ] && x=bin
    step 80 lowk_$v$1.log $x/cascadesim-fa3-bench --time-lowk $l/lowk_$v$1.json 8192,16384,32768 64,128 1,2,5
  done
}
lowk 1
step 120 decode.log $b --decode-time $out/decode.json
step 60 decode_racecheck.log compute-sanitizer --tool racecheck $b --decode-check
step 60 decode_memcheck.log compute-sanitizer --tool memcheck $b --decode-check
step 90 memcheck.log compute-sanitizer --tool memcheck $b --check 7
step 90 racecheck.log compute-sanitizer --tool racecheck $b --check 7 8
step 60 synccheck.log compute-sanitizer --tool synccheck $b --check 7 8
for v in bin bin_old; do
  step 60 ncu_s16k_d64_top2_$v.txt ncu --kernel-name regex:attention_fa3_kernel --launch-skip 1 --launch-count 1 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section SchedulerStats --section WarpStateStats \
    $v/cascadesim-fa3-bench --profile 16384 64 2 0 1
done
step 60 runner_cascade.log $r $s/cases/fa3_cascade.json --out $l/runner_cascade.json
lowk 2
for v in bin bin_mid bin_old; do
  cuobjdump --dump-sass $v/cascadesim-fa3-bench | grep -oE "Function : \S+|HGMMA\.[0-9x]+|UTMALDG\.[0-9A-Z]+|USETMAXREG" | uniq -c > $l/sass_counts_$v.txt
  cuobjdump --dump-resource-usage $v/cascadesim-fa3-bench > $l/resource_usage_$v.txt 2>&1
done
kill $smi
tar -C $out -czf $out/logs.tar.gz logs && rm -rf $l
