#!/usr/bin/env bash
# The rest of issue 15 in one device call: the fused layer kernels' checks, the 16-layer prefill stack (dense vs
# 1D+3A+12R, S = 4K-32K, every part alone), batched decode steps under CUDA graphs, cuBLAS on every GEMM shape of the
# shipped models, the runner's checks, the decode-study cases (killed once, then --resume) and the cascade stage
# through fa3-style against fa2-style; on an H200 then the prefill and decode references of run_fa3_final_on_gpu.sh,
# as far as the call's time allows (each step is cut at the seconds left of LIMIT_S). Run from a folder holding bin/ (libcascadesim_attention.so, cascadesim-fa3-bench,
# cascadesim-validate) and src/ (validation/, configs/): the device call carries them as .gpu/.
# Usage: run_layers_on_gpu.sh OUT [LIMIT_S]
set -uo pipefail
out=$1
limit_s=${2:-570}
s=src/validation
b=bin/cascadesim-fa3-bench
source "$(dirname "$0")/gpu_call.sh"
export PYTHONUNBUFFERED=1
lib="$PWD/bin/libcascadesim_attention.so"
step 200 layers.log python3 $s/layers/layer_stack.py --lib "$lib" --out "$out/layers.json"
grep -E "FAIL|stack 16|Error|error:" "$out/logs/layers.log" | head -30
step 150 decode_layers.log python3 $s/layers/layer_stack.py --lib "$lib" --decode --out "$out/decode_layers.json"
grep -E "FAIL|decode step|Error|error" "$out/logs/decode_layers.log" | head -40
step 150 gemm.log python3 $s/layers/gemm_shapes.py --models src/configs/models --out "$out/gemm.json"
head -3 "$out/logs/gemm.log"
tail -2 "$out/logs/gemm.log"
# The runner: its checks (GQA and decode included), then the decode-study cases, killed once mid-run and resumed.
r=bin/cascadesim-validate
step 150 runner_check.log $r --check
tail -n 3 "$out/logs/runner_check.log"
grep -E "^FAIL" "$out/logs/runner_check.log" | head
timeout -s KILL 15 $r $s/cases/decode_study.json --out "$out/runner_decode_study.json" >"$out/logs/runner.log" 2>&1
echo "killed after 15 s: rc $?"
step 200 runner_resume.log $r $s/cases/decode_study.json --out "$out/runner_decode_study.json" --resume
cat "$out/logs/runner.log" "$out/logs/runner_resume.log"
step 120 runner_cascade.log $r $s/cases/fa3_cascade.json --out "$out/runner_cascade.json"
cat "$out/logs/runner_cascade.log"
if on_h200; then
  h200_references
  tar -C "$out" -czf "$out/ref.tar.gz" ref && rm -rf "$out/ref"
fi
stop_clock_log
tar -C "$out" -czf "$out/logs.tar.gz" logs && rm -rf "$out/logs"
