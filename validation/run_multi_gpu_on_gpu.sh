#!/usr/bin/env bash
# The multi-device measurements of one device call (each step cut at the seconds left of LIMIT_S):
#  1. the fa3-style kernel's checks, its row log-sum-exp included (cascadesim-fa3-bench --check);
#  2. ring attention against the single-device layer and float64, every rank emulated on GPU 0 (loopback), then, with
#     several GPUs, one rank a GPU through NCCL;
#  3. NCCL all-reduce, all-gather, reduce-scatter and a send/recv ring, 8 B to 1 GiB, over every GPU;
#  4. ring attention timed against one GPU: zig-zag ring and its bidirectional form (dense layers) and on-demand
#     fetch (sparse layers, top_k TOP_KS) over 2, 4 and 8 GPUs as present, at SEQ_LENS, with the attention on every
#     SM and with 8 SMs left to NCCL's kernels (reserved_sms 0 and 8); with one GPU, a loopback
#     timing at 32K only, which exercises the records (its ranks share one GPU: no speedup is measured).
# NVLink multicast stays off (NCCL_NVLS_ENABLE=0, the device machines' rule). Run from a folder holding
# bin/cascadesim-fa3-bench, bin/cascadesim-nccl-bench, bin/cascadesim-ring-attention and src/validation (the device
# call carries them as .gpu/). Writes OUT/nccl.json, OUT/ring.json, OUT/summary.md and OUT/logs.tar.gz.
# Usage: run_multi_gpu_on_gpu.sh OUT [LIMIT_S] [SEQ_LENS] [TOP_KS]
set -uo pipefail
out=$1
limit_s=${2:-530}
seq_lens=${3:-32768,131072,524288}
top_ks=${4:-5,16}
s=src/validation
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
source "$(dirname "$0")/gpu_call.sh"
gpus=$(nvidia-smi --query-gpu=name --format=csv,noheader | wc -l)
echo "GPUs: $gpus"
# libnccl.so.2: the system's, else the nvidia-nccl wheel's, else the CUDA toolkit's.
if ! ldconfig -p | grep -q 'libnccl.so.2 '; then
  wheel=$(python3 -c 'import os, nvidia.nccl as n; print(os.path.join(list(n.__path__)[0], "lib", "libnccl.so.2"))' \
    2>/dev/null)
  for lib in "$wheel" /usr/local/cuda/lib64/libnccl.so.2 /usr/local/cuda/lib/libnccl.so.2; do
    if [[ -n $lib && -f $lib ]]; then
      export CASCADESIM_NCCL_LIB=$lib
      break
    fi
  done
fi
echo "NCCL: ${CASCADESIM_NCCL_LIB:-libnccl.so.2 from the loader path}"
ranks=""
for p in 2 4 8; do ((p <= gpus)) && ranks+="${ranks:+,}$p"; done

step 150 fa3_check.log bin/cascadesim-fa3-bench --check
tail -1 "$out/logs/fa3_check.log"
step 120 ring_check_loopback.log bin/cascadesim-ring-attention --check loopback 1,2,3,4
tail -1 "$out/logs/ring_check_loopback.log"
step 30 nccl_check.log bin/cascadesim-nccl-bench --check
tail -1 "$out/logs/nccl_check.log"
if [[ -n $ranks ]]; then
  step 90 ring_check_nccl.log bin/cascadesim-ring-attention --check nccl "$ranks"
  tail -1 "$out/logs/ring_check_nccl.log"
fi
step 90 nccl_time.log bin/cascadesim-nccl-bench --time "$out/nccl.json"
if [[ -n $ranks ]]; then
  # Each ring run twice: the attention on every SM, and leaving 8 SMs to NCCL's send/recv kernels (which cannot
  # share an SM with a block of the fa3-style kernel's persistent grid).
  step 300 ring_time.log bin/cascadesim-ring-attention --time "$out/ring.json" nccl "$ranks" "$seq_lens" "$top_ks" 5 \
    32 8 128 0,8
else
  step 90 ring_time.log bin/cascadesim-ring-attention --time "$out/ring.json" loopback 2,4 32768 "$top_ks" 3
fi
tail -3 "$out/logs/ring_time.log"
stop_clock_log
python3 $s/multi_device/multi_gpu_summary.py "$out/nccl.json" "$out/ring.json" >"$out/summary.md" 2>&1
tar -C "$out" -czf "$out/logs.tar.gz" logs && rm -rf "$out/logs"
cat "$out/summary.md"
