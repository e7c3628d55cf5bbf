#!/usr/bin/env bash
# The fa3-style kernel's whole device run in one call: SASS evidence (HGMMA), the checks against the float64 CPU
# references, the timing grid (fa3-style, fa2-style, block-sparse) and PyTorch SDPA's cuDNN and flash backends on
# the same shapes, with the clocks and power logged beside them.
# Usage: validation/run_fa3_on_gpu.sh BENCH OUT_DIR [SEQ_LENS [DIMS [TOP_KS]]]   (BENCH: a built cascadesim-fa3-bench)
set -uo pipefail
bench=$1
out=$2
seq=${3:-8192,16384,32768}
dims=${4:-64,128}
top_ks=${5:-1,2,5,8,16}
here=$(dirname "$0")
mkdir -p "$out"
status=0
step() { echo "== $*" >&2; }

step "device"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw,power.limit \
  --format=csv 2>&1 | tee "$out/nvidia_smi.csv"

step "SASS: matrix instructions of the fa3-style kernels"
if command -v cuobjdump >/dev/null; then
  cuobjdump --dump-sass "$bench" >/tmp/fa3_sass.txt 2>&1
  {
    echo "# cuobjdump --dump-sass $(basename "$bench"): instruction counts per kernel, then an excerpt"
    awk '/Function :/ {f=$3} /HGMMA|HMMA|UTMALDG|USETMAXREG|SYNCS/ {split($0, a, ";"); sub(/^.*\*\/ +/, "", a[1]);
      split(a[1], b, " "); n[f" "b[1]]++} END {for (k in n) print n[k], k}' /tmp/fa3_sass.txt | sort -k2
    echo "# excerpt"
    grep -m 1 -B 2 -A 40 "HGMMA.64x128x16.F32.BF16" /tmp/fa3_sass.txt
  } >"$out/sass_hgmma.txt"
  head -n 40 "$out/sass_hgmma.txt"
fi

step "checks against the CPU references"
timeout 150 "$bench" --check 2>&1 | tee "$out/check.log" || status=1

step "timing (clocks and power logged every 500 ms)"
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active \
  --format=csv -lms 500 >"$out/clocks.csv" 2>&1 &
smi=$!
timeout 240 "$bench" --time "$out/fa3_measured.json" "$seq" "$dims" "$top_ks" 2>&1 | tee "$out/timing.log" || status=1
PYTHONUNBUFFERED=1 timeout 170 python3 "$here/sdpa_backends_reference.py" --out "$out/sdpa.json" --seq "$seq" \
  --dims "$dims" 2>&1 | tee "$out/sdpa.log" || status=1
kill "$smi"
exit $status
