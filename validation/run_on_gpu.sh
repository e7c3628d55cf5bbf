#!/usr/bin/env bash
# The whole validation run on a GPU machine, in one call: the kernel checks, the micro-benchmarks, the timing
# grid, PyTorch SDPA on the grid's dense cases (same run, same device), and the Markdown summary.
# Usage: validation/run_on_gpu.sh RUNNER CASES.json OUT_DIR   (RUNNER: a built cascadesim-validate)
# Each step's output lands in OUT_DIR as it finishes; a failed step does not stop the later ones.
set -uo pipefail
runner=$1
cases=$2
out=$3
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

step "micro-benchmarks"
# cuBLAS is loaded at run time: the toolkit's, else the one PyTorch's wheels bring.
cublas_dir=$(python3 -c 'import nvidia.cublas, os; print(os.path.join(list(nvidia.cublas.__path__)[0], "lib"))' \
  2>/dev/null || true)
LD_LIBRARY_PATH="/usr/local/cuda/lib64:${cublas_dir}:${LD_LIBRARY_PATH:-}" "$runner" --micro --out "$out/micro.json" ||
  status=1

step "timing grid"
"$runner" "$cases" --out "$out/measured.json" || status=1

step "PyTorch SDPA on the dense cases"
PYTHONUNBUFFERED=1 python3 validation/sdpa_reference.py "$cases" --out "$out/sdpa.json" || status=1

step "summary"
python3 validation/summarize_measured.py "$out/measured.json" --micro "$out/micro.json" --sdpa "$out/sdpa.json" \
  --out "$out/SUMMARY.md" || status=1
exit $status
