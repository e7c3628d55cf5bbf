"""PyTorch scaled_dot_product_attention (flash backend) on the shapes of a cascadesim cases file: the outside
reference for the dense kernel. Times with CUDA events after warm-up, median/p10/p90 of N repetitions, inputs
rotated across buffer sets larger than the L2. FLOPs counted as the dense kernel counts them (executed causal
blocks x 4 * Br * Bc * d) so TFLOP/s compare like with like.

Usage: python3 validation/sdpa_reference.py CASES.json --out SDPA.json [--repetitions 30]
"""
import argparse
import json
import math
import os
import sys
import tempfile

import torch
import torch.nn.functional as F


def executed_blocks(seq_len, tile_q, tile_k, causal):
    tq = math.ceil(seq_len / tile_q)
    tk = math.ceil(seq_len / tile_k)
    if not causal:
        return tq * tk
    # A key tile is visited when its first key is at or before the query tile's last query.
    return sum(min(tk, ((q + 1) * tile_q - 1) // tile_k + 1) for q in range(tq))


def time_case(case, repetitions):
    batch = case.get("batch", 1)
    s, h, d = case["seq_len"], case["heads"], case["head_dim"]
    causal = case.get("causal", True)
    tile_q, tile_k = case.get("tile_q", 128), case.get("tile_k", 128)
    per_set = 3 * batch * h * s * d * 2
    l2 = torch.cuda.get_device_properties(0).L2_cache_size
    sets = max(2, 2 * l2 // per_set + 1)
    inputs = [tuple(torch.randn(batch, h, s, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
              for _ in range(sets)]
    with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.FLASH_ATTENTION):
        for i in range(5):
            q, k, v = inputs[i % sets]
            F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        torch.cuda.synchronize()
        samples = []
        for i in range(repetitions):
            q, k, v = inputs[i % sets]
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            F.scaled_dot_product_attention(q, k, v, is_causal=causal)
            end.record()
            end.synchronize()
            samples.append(start.elapsed_time(end))
    samples.sort()
    pick = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))]
    blocks = batch * h * executed_blocks(s, tile_q, tile_k, causal)
    flops = blocks * 4.0 * tile_q * tile_k * d
    median = pick(0.5)
    props = torch.cuda.get_device_properties(0)
    return {"name": case["name"], "kernel": "torch_sdpa_flash", "batch": batch, "seq_len": s, "heads": h,
            "head_dim": d, "causal": causal, "tile_q": tile_q, "tile_k": tile_k, "repetitions": repetitions,
            "buffer_sets": sets, "flop_count": flops, "median_ms": median, "p10_ms": pick(0.1),
            "p90_ms": pick(0.9), "achieved_TFLOP_per_s": flops / (median * 1e-3) / 1e12, "samples_ms": samples,
            "device": {"name": props.name, "sm_count": props.multi_processor_count,
                       "torch": torch.__version__, "cuda": torch.version.cuda}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cases")
    parser.add_argument("--out", required=True)
    parser.add_argument("--repetitions", type=int, default=30)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("sdpa_reference: no CUDA device", file=sys.stderr)
        return 2
    with open(args.cases) as f:
        cases = json.load(f)["cases"]
    records = []
    for case in cases:
        if case.get("kernel", "dense") != "dense":
            continue
        record = time_case(case, args.repetitions)
        records.append(record)
        print(f"{record['name']:32s} sdpa   median {record['median_ms']:.4f} ms  "
              f"{record['achieved_TFLOP_per_s']:.1f} TFLOP/s")
        # Rewrite atomically after each record, so an interrupted run keeps what it measured.
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(args.out)))
        with os.fdopen(fd, "w") as f:
            json.dump({"schema_version": 1, "records": records}, f, indent=1)
        os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
