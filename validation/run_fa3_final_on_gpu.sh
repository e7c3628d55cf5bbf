#!/usr/bin/env bash
# The fa3-style prefill checks, timing grid and SDPA prefill references, then the decode checks, timings and SDPA
# decode references, in one device call (run 5 of reports/measured/h100-fa3). Run from a folder holding
# bin/cascadesim-fa3-bench and src/validation (the device call carries them as .gpu/). Usage: run_fa3_final_on_gpu.sh OUT
set -uo pipefail
out=$1; b=bin/cascadesim-fa3-bench; s=src/validation
mkdir -p $out/logs
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw,power.limit --format=csv > $out/logs/nvidia_smi.csv
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active --format=csv -lms 500 > $out/logs/clocks.csv 2>&1 &
smi=$!
timeout 150 $b --check > $out/logs/fa3_check.log 2>&1; tail -1 $out/logs/fa3_check.log
timeout 150 $b --time $out/fa3_measured.json > $out/logs/timing.log 2>&1; echo "grid rc $?"
PYTHONUNBUFFERED=1 timeout 150 python3 $s/sdpa_backends_reference.py --out $out/sdpa.json > $out/logs/sdpa.log 2>&1; echo "sdpa rc $?"
timeout 100 $b --decode-check > $out/logs/decode_check.log 2>&1; tail -1 $out/logs/decode_check.log
timeout 150 $b --decode-time $out/decode_measured.json > $out/logs/decode_timing.log 2>&1; echo "decode rc $?"
PYTHONUNBUFFERED=1 timeout 150 python3 $s/sdpa_backends_reference.py --decode --out $out/sdpa_decode.json > $out/logs/sdpa_decode.log 2>&1; echo "sdpa decode rc $?"
kill $smi
cat $out/logs/decode_timing.log
python3 $s/fa3_summary.py $out/fa3_measured.json $out/sdpa.json --schedule no-pingpong+persistent > $out/logs/summary.md; cat $out/logs/summary.md
tar -C $out -czf $out/logs.tar.gz logs && rm -rf $out/logs
