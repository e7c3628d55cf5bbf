"""PyTorch scaled_dot_product_attention with the cuDNN and the flash backends, dense prefill, on the grid that
cascadesim-fa3-bench --time measures (same device, same call): the outside references of the fa3-style kernel.
Times with CUDA events after warm-up, median/p10/p90; FLOPs counted as the kernels count them (executed 128 x 128
blocks x 4 * 128 * 128 * d) so that TFLOP/s compare like with like. GQA shapes use enable_gqa=True.

Usage: python3 validation/sdpa_backends_reference.py --out SDPA.json [--seq 8192,16384,32768] [--dims 64,128]
       [--heads 32] [--repetitions 20]
       python3 validation/sdpa_backends_reference.py --decode --out SDPA_DECODE.json   (the decode grid of
       cascadesim-fa3-bench --decode-time: one query token, 32 query heads over 8 K/V heads, input sets rotated past
       the L2)
"""
import argparse
import json
import math
import os
import sys
import tempfile

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


def executed_blocks(seq_len, tile, causal):
    tiles = math.ceil(seq_len / tile)
    if not causal:
        return tiles * tiles
    return sum(min(tiles, ((q + 1) * tile - 1) // tile + 1) for q in range(tiles))


def time_case(backend, s, h, hkv, d, causal, repetitions):
    gen = torch.Generator(device="cuda").manual_seed(s * 7 + d + hkv)
    # Uniform in [-2, 2) for Q and K and [-1, 1) for V, like the kernels' inputs; never all zeros.
    q = (torch.rand(1, h, s, d, device="cuda", generator=gen) * 4 - 2).to(torch.bfloat16)
    k = (torch.rand(1, hkv, s, d, device="cuda", generator=gen) * 4 - 2).to(torch.bfloat16)
    v = (torch.rand(1, hkv, s, d, device="cuda", generator=gen) * 2 - 1).to(torch.bfloat16)
    kwargs = {"is_causal": causal}
    if hkv != h:
        kwargs["enable_gqa"] = True
    with sdpa_kernel(backend):
        for _ in range(3):
            F.scaled_dot_product_attention(q, k, v, **kwargs)
        torch.cuda.synchronize()
        samples = []
        for _ in range(repetitions):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            F.scaled_dot_product_attention(q, k, v, **kwargs)
            end.record()
            end.synchronize()
            samples.append(start.elapsed_time(end))
    samples.sort()
    pick = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))]
    flops = h * executed_blocks(s, 128, causal) * 4.0 * 128 * 128 * d
    median = pick(0.5)
    return {"implementation": "torch_sdpa_" + ("cudnn" if backend == SDPBackend.CUDNN_ATTENTION else "flash"),
            "kernel": "dense", "batch": 1, "heads": h, "kv_heads": hkv, "seq_len": s, "head_dim": d,
            "causal": causal, "repetitions": repetitions, "flop_count": flops, "median_ms": median,
            "p10_ms": pick(0.1), "p90_ms": pick(0.9), "achieved_TFLOP_per_s": flops / (median * 1e-3) / 1e12,
            "samples_ms": samples}


DECODE_CASES = [(1, 4096, 64), (1, 32768, 64), (1, 131072, 64), (8, 32768, 64), (16, 131072, 64), (64, 4096, 64),
                (64, 16384, 64), (1, 4096, 128), (1, 32768, 128), (1, 131072, 128), (8, 32768, 128),
                (16, 131072, 128), (64, 4096, 128), (64, 16384, 128)]


def time_decode(backend, b, ctx, d, repetitions):
    h, hkv = 32, 8
    set_bytes = 2 * (2 * b * hkv * ctx * d + 2 * b * h * d)
    sets = min(32, max(1, 4 * 52428800 // set_bytes + 1))
    gen = torch.Generator(device="cuda").manual_seed(b * 131 + ctx + d)
    inputs = [((torch.rand(b, h, 1, d, device="cuda", generator=gen) * 4 - 2).to(torch.bfloat16),
               (torch.rand(b, hkv, ctx, d, device="cuda", generator=gen) * 4 - 2).to(torch.bfloat16),
               (torch.rand(b, hkv, ctx, d, device="cuda", generator=gen) * 2 - 1).to(torch.bfloat16))
              for _ in range(sets)]
    with sdpa_kernel(backend):
        for i in range(3):
            q, k, v = inputs[i % sets]
            F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
        torch.cuda.synchronize()
        samples = []
        for i in range(repetitions):
            q, k, v = inputs[i % sets]
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
            end.record()
            end.synchronize()
            samples.append(start.elapsed_time(end))
    samples.sort()
    pick = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))]
    median = pick(0.5)
    bytes_ = 2 * (2 * b * hkv * ctx * d + 2 * b * h * d)
    return {"implementation": "torch_sdpa_" + ("cudnn" if backend == SDPBackend.CUDNN_ATTENTION else
                                               "flash" if backend == SDPBackend.FLASH_ATTENTION else "efficient"),
            "kernel": "decode_dense", "batch": b, "heads": h, "kv_heads": hkv, "context": ctx, "head_dim": d,
            "buffer_sets": sets, "compulsory_bytes": bytes_, "median_ms": median, "p10_ms": pick(0.1),
            "p90_ms": pick(0.9), "achieved_GB_per_s": bytes_ / (median * 1e-3) / 1e9, "samples_ms": samples}


def main_decode(args):
    records = []
    for b, ctx, d in DECODE_CASES:
        for backend in (SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION):
            try:
                record = time_decode(backend, b, ctx, d, args.repetitions)
                print(f"{record['implementation']:22s} decode b={b:<2d} ctx={ctx:<6d} d={d:<3d} "
                      f"median {record['median_ms']:8.4f} ms  {record['achieved_GB_per_s']:6.0f} GB/s")
            except RuntimeError as error:
                record = {"implementation": str(backend), "kernel": "decode_dense", "batch": b, "context": ctx,
                          "head_dim": d, "error": str(error)[:300]}
                print(f"{str(backend):28s} decode b={b} ctx={ctx} d={d}: {record['error'][:120]}")
            records.append(record)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(args.out)))
            with os.fdopen(fd, "w") as f:
                json.dump({"schema_version": 1, "records": records}, f, indent=1)
            os.replace(tmp, args.out)
            torch.cuda.empty_cache()
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--seq", default="8192,16384,32768")
    parser.add_argument("--dims", default="64,128")
    parser.add_argument("--heads", type=int, default=32)
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--decode", action="store_true")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("sdpa_backends_reference: no CUDA device", file=sys.stderr)
        return 2
    if args.decode:
        return main_decode(args)
    props = torch.cuda.get_device_properties(0)
    device = {"name": props.name, "sm_count": props.multi_processor_count, "torch": torch.__version__,
              "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version()}
    records = []
    for s in [int(x) for x in args.seq.split(",")]:
        for d in [int(x) for x in args.dims.split(",")]:
            for causal in (True, False):
                for hkv in (args.heads, args.heads // 4):
                    for backend in (SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION):
                        reps = args.repetitions // 2 if s >= 32768 else args.repetitions
                        try:
                            record = time_case(backend, s, args.heads, hkv, d, causal, reps)
                        except RuntimeError as error:  # a backend that refuses a shape says so in the file
                            record = {"implementation": str(backend), "seq_len": s, "head_dim": d, "causal": causal,
                                      "heads": args.heads, "kv_heads": hkv, "error": str(error)[:300]}
                            print(f"{str(backend):28s} S={s} d={d} causal={causal} hkv={hkv}: {record['error']}")
                        else:
                            print(f"{record['implementation']:18s} dense  S={s:<6d} d={d:<3d} "
                                  f"{'causal' if causal else 'full':6s} hq={args.heads} hkv={hkv:<2d} "
                                  f"median {record['median_ms']:9.4f} ms  {record['achieved_TFLOP_per_s']:6.1f} TFLOP/s")
                        record["device"] = device
                        records.append(record)
                        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(args.out)))
                        with os.fdopen(fd, "w") as f:
                            json.dump({"schema_version": 1, "records": records}, f, indent=1)
                        os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
