#!/usr/bin/env bash
# The fa3-style checks (bench every schedule, runner --check, memcheck), the prefill timing grid and SDPA cuDNN/flash
# in one device call (run 11 of reports/measured/h100-fa3). Run from a folder holding bin/ and src/validation.
# Usage: run_fa3_check_time_on_gpu.sh OUT
set -uo pipefail
out=$1; b=bin/cascadesim-fa3-bench; s=src/validation
mkdir -p $out/logs
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active --format=csv -lms 500 > $out/logs/clocks.csv 2>&1 &
smi=$!
timeout 150 $b --check > $out/logs/fa3_check.log 2>&1; grep -v "^ok" $out/logs/fa3_check.log | tail -5
timeout 200 bin/cascadesim-validate --check > $out/logs/runner_check.log 2>&1; grep -v "^ok" $out/logs/runner_check.log | tail -5
timeout 200 compute-sanitizer --tool memcheck $b --check 11 > $out/logs/memcheck.log 2>&1; tail -2 $out/logs/memcheck.log
timeout 150 $b --time $out/fa3_measured.json > $out/logs/timing.log 2>&1; echo "grid rc $?"
PYTHONUNBUFFERED=1 timeout 150 python3 $s/sdpa_backends_reference.py --out $out/sdpa.json > $out/logs/sdpa.log 2>&1; echo "sdpa rc $?"
kill $smi
python3 $s/fa3_summary.py $out/fa3_measured.json $out/sdpa.json > $out/logs/summary.md; python3 $s/fa3_summary.py $out/fa3_measured.json $out/sdpa.json --schedule no-pingpong+persistent
tar -C $out -czf $out/logs.tar.gz logs && rm -rf $out/logs
