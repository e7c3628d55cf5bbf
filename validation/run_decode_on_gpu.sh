#!/usr/bin/env bash
# Decode (split-KV flash-decoding, dense and top-k K/V fetch, GQA-packed) in one device call: checks against the
# float64 CPU reference (and under compute-sanitizer), timings against the measured copy bandwidth, PyTorch SDPA
# (cuDNN, flash, efficient) on the dense decode shapes, and the runner's fa3 grid at the current default schedule.
# Usage: validation/run_decode_on_gpu.sh FA3_BENCH RUNNER OUT_DIR
set -uo pipefail
bench=$1
runner=$2
out=$3
here=$(dirname "$0")
logs="$out/logs"
mkdir -p "$logs"
status=0
step() { echo "== $*" >&2; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw,power.limit \
  --format=csv 2>&1 | tee "$logs/nvidia_smi.csv"
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active \
  --format=csv -lms 500 >"$logs/clocks.csv" 2>&1 &
smi=$!
step "decode checks"
timeout 120 "$bench" --decode-check 2>&1 | tee "$logs/decode_check.log" | grep -v "^ok " || status=1
timeout 150 compute-sanitizer --tool memcheck "$bench" --decode-check >"$logs/decode_memcheck.log" 2>&1 || status=1
tail -n 2 "$logs/decode_memcheck.log"
step "decode timing"
timeout 200 "$bench" --decode-time "$out/decode_measured.json" 2>&1 | tee "$logs/decode_timing.log" || status=1
step "SDPA decode"
PYTHONUNBUFFERED=1 timeout 200 python3 "$here/sdpa_backends_reference.py" --decode --out "$out/sdpa_decode.json" 2>&1 |
  tee "$logs/sdpa_decode.log" || status=1
step "runner fa3 grid (default schedule)"
timeout 120 "$runner" "$here/cases/fa3_grid.json" --out "$out/runner_measured.json" >"$logs/runner.log" 2>&1 || status=1
tail -n 4 "$logs/runner.log"
kill "$smi"
tar -C "$out" -czf "$out/logs.tar.gz" logs && rm -rf "$logs"
exit $status
