#!/usr/bin/env bash
# The fa3-style kernel's whole device run in one call: SASS evidence (HGMMA), the checks against the float64 CPU
# references (cascadesim-fa3-bench for every schedule and GQA, cascadesim-validate --check for both implementations),
# compute-sanitizer, the timing grid (fa3-style, fa2-style, block-sparse), PyTorch SDPA's cuDNN and flash backends on
# the same shapes, the grid again (run-to-run spread), the runner's fa3 cases (with --resume), and an Nsight Compute
# profile of a sparse top-k 1 pass; clocks and power are logged throughout.
# Usage: validation/run_fa3_on_gpu.sh FA3_BENCH RUNNER OUT_DIR [SEQ_LENS [DIMS [TOP_KS]]]
# Large outputs land in OUT_DIR; logs go to OUT_DIR/logs and are packed into logs.tar.gz at the end.
set -uo pipefail
bench=$1
runner=$2
out=$3
seq=${4:-8192,16384,32768}
dims=${5:-64,128}
top_ks=${6:-1,2,5,8,16}
here=$(dirname "$0")
logs="$out/logs"
mkdir -p "$logs"
status=0
step() { echo "== $*" >&2; }

step "device"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw,power.limit \
  --format=csv 2>&1 | tee "$logs/nvidia_smi.csv"
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active \
  --format=csv -lms 500 >"$logs/clocks.csv" 2>&1 &
smi=$!

step "SASS: matrix instructions of the fa3-style kernels"
if command -v cuobjdump >/dev/null; then
  cuobjdump --dump-sass "$bench" >/tmp/fa3_sass.txt 2>&1
  {
    echo "# cuobjdump --dump-sass $(basename "$bench"): per kernel, count of each instruction named below"
    awk '/Function :/ {f=$3} / (HGMMA|HMMA|UTMALDG|USETMAXREG|SYNCS)[.A-Z0-9x_]* / {
      for (i = 1; i <= NF; i++) if ($i ~ /^(HGMMA|HMMA|UTMALDG|USETMAXREG|SYNCS)/) { n[f" "$i]++; break } }
      END {for (k in n) print n[k], k}' /tmp/fa3_sass.txt | sort -k2
    echo "# excerpt: the first HGMMA of the file with its neighbours"
    grep -m 1 -B 6 -A 30 "HGMMA.64x128x16.F32.BF16" /tmp/fa3_sass.txt
  } >"$out/sass_hgmma.txt"
  grep -c HGMMA /tmp/fa3_sass.txt
fi

step "fa3-style checks against the CPU references (every schedule, GQA)"
timeout 150 "$bench" --check 2>&1 | tee "$logs/fa3_check.log" | grep -v "^ok " || status=1
step "runner checks (fa2-style and fa3-style, composite stacks)"
timeout 200 "$runner" --check 2>&1 | tee "$logs/runner_check.log" | grep -v "^ok " || status=1
step "compute-sanitizer memcheck on the fa3-style checks"
timeout 200 compute-sanitizer --tool memcheck "$bench" --check 7 >"$logs/sanitizer_memcheck.log" 2>&1 || status=1
tail -n 3 "$logs/sanitizer_memcheck.log"

step "timing grid"
timeout 150 "$bench" --time "$out/fa3_measured.json" "$seq" "$dims" "$top_ks" 2>&1 >"$logs/timing.log" || status=1
PYTHONUNBUFFERED=1 timeout 120 python3 "$here/sdpa_backends_reference.py" --out "$out/sdpa.json" --seq "$seq" \
  --dims "$dims" >"$logs/sdpa.log" 2>&1 || status=1
step "timing grid again, after SDPA (spread between runs)"
timeout 150 "$bench" --time "$out/fa3_measured_repeat.json" "$seq" "$dims" "$top_ks" >"$logs/timing_repeat.log" 2>&1 ||
  status=1
python3 "$here/fa3_summary.py" "$out/fa3_measured.json" "$out/sdpa.json" | tee "$logs/summary.md" | head -40

step "runner: fa3 cases, then --resume over the finished file"
timeout 120 "$runner" "$here/cases/fa3_grid.json" --out "$out/runner_measured.json" >"$logs/runner.log" 2>&1 || status=1
timeout 30 "$runner" "$here/cases/fa3_grid.json" --out "$out/runner_measured.json" --resume >>"$logs/runner.log" 2>&1 ||
  status=1
tail -n 5 "$logs/runner.log"

step "Nsight Compute: S = 32K, d = 128, causal, dense and sparse top_k 1 (persistent, ping-pong)"
timeout 150 ncu --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy --section LaunchStats \
  -k regex:attention_fa3 "$bench" --profile 32768 128 1 1 1 >"$out/ncu_s32k_d128.txt" 2>&1 || status=1
grep -E "attention_fa3|Duration|Memory Throughput|DRAM Throughput|Compute \(SM\)" "$out/ncu_s32k_d128.txt" | head -20

kill "$smi"
tar -C "$out" -czf "$out/logs.tar.gz" logs && rm -rf "$logs"
exit $status
