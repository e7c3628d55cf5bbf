#!/usr/bin/env bash
# The whole validation run on a GPU machine, in one call: the kernel checks, the micro-benchmarks, the timing
# grid, PyTorch SDPA on the grid's dense cases (same run, same device), and the Markdown summary. Cases name their
# implementation (fa2-style or fa3-style); when cascadesim-fa3-bench sits beside the runner, its checks (every fa3
# schedule, GQA, decode) run too, and SDPA's cuDNN and flash backends are timed on its prefill grid.
# Usage: validation/run_on_gpu.sh RUNNER CASES.json OUT_DIR [--resume]   (RUNNER: a built cascadesim-validate)
# --resume continues an interrupted timing grid in OUT_DIR/measured.json instead of refusing it.
# Each step's output lands in OUT_DIR as it finishes; a failed step does not stop the later ones.
set -uo pipefail
runner=$1
cases=$2
out=$3
resume=${4:-}
fa3_bench="$(dirname "$runner")/cascadesim-fa3-bench"
mkdir -p "$out"
status=0
step() { echo "== $*" >&2; }

step "device"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw,power.limit \
  --format=csv >"$out/nvidia_smi.csv" 2>&1
cat "$out/nvidia_smi.csv"

step "kernels against the CPU references"
"$runner" --check >"$out/check.log" 2>&1 || status=1
tail -n 3 "$out/check.log"
if [ -x "$fa3_bench" ]; then
  step "fa3-style and decode kernels against the CPU references"
  { "$fa3_bench" --check && "$fa3_bench" --decode-check; } >"$out/fa3_check.log" 2>&1 || status=1
  grep -E "pass" "$out/fa3_check.log" | tail -n 2
fi

step "micro-benchmarks"
# cuBLAS is loaded at run time: the toolkit's, else the one PyTorch's wheels bring.
cublas_dir=$(python3 -c 'import nvidia.cublas, os; print(os.path.join(list(nvidia.cublas.__path__)[0], "lib"))' \
  2>/dev/null || true)
LD_LIBRARY_PATH="/usr/local/cuda/lib64:${cublas_dir}:${LD_LIBRARY_PATH:-}" "$runner" --micro --out "$out/micro.json" ||
  status=1

step "timing grid"
"$runner" "$cases" --out "$out/measured.json" ${resume:+--resume} || status=1

step "PyTorch SDPA on the dense cases"
PYTHONUNBUFFERED=1 python3 validation/sdpa_reference.py "$cases" --out "$out/sdpa.json" || status=1
if [ -x "$fa3_bench" ]; then
  step "PyTorch SDPA cuDNN and flash backends on the fa3 prefill grid"
  PYTHONUNBUFFERED=1 python3 validation/sdpa_backends_reference.py --out "$out/sdpa_backends.json" \
    >"$out/sdpa_backends.log" 2>&1 || status=1
fi

step "summary"
python3 validation/summarize_measured.py "$out/measured.json" --micro "$out/micro.json" --sdpa "$out/sdpa.json" \
  --out "$out/SUMMARY.md" || status=1
exit $status
