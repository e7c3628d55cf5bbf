"""The fa3 dense 16-layer stack against the cuDNN one, alternately, with what each path runs per layer.

For each S: the fused layer kernels' checks (once), the two stacks' outputs compared (same input, same weights), each
attention output's strides and whether the O projection's input is a copy for it, the transpose-and-reshape alone
for both outputs, the attention alone for both (alternately), then `--rounds` rounds of the two whole stacks timed
alternately (cuDNN first in even rounds, fa3 first in odd ones), each a median of `--repetitions` launches after 2
warm-ups, with the wall-clock start and end of every timed block (to read the SM clock and power of a
`nvidia-smi -lms` log beside it). Last, one forward of each stack under torch.profiler: the GPU time summed per
kernel name, the number of kernels and the sum of all kernel times against the forward's CUDA-event time (the
difference is time the GPU sat between kernels).

Usage: python3 validation/layers/stack_ab.py --lib PATH/libcascadesim_attention.so --out AB.json
       [--seq 4096,8192,16384,32768] [--rounds 3] [--repetitions 10]
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_stack import (HIDDEN, LAYERS, Kernels, Stack, check_layer_ops, o_projection_input,  # noqa: E402
                         o_projection_layouts, relative, timed)

KINDS = {"cudnn": ["cudnn"] * LAYERS, "fa3": ["D"] * LAYERS}


def stamped(fn, repetitions):
    start = time.time()
    t = timed(fn, repetitions)
    return {**t, "wall_start": start, "wall_end": time.time()}


def kernel_profile(stack, x, kind):
    """One forward under torch.profiler (after a warm one): GPU time per kernel name, kernel count, their sum."""
    from torch.profiler import ProfilerActivity, profile
    stack.forward(x, KINDS[kind])
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        stack.forward(x, KINDS[kind])
        end.record()
        end.synchronize()
    rows = []
    for e in prof.key_averages():
        us = getattr(e, "device_time_total", None)
        if us is None:
            us = getattr(e, "cuda_time_total", 0.0)
        if us and e.count:
            rows.append({"name": e.key[:160], "count": e.count, "total_ms": us / 1e3})
    rows.sort(key=lambda r: -r["total_ms"])
    return {"event_ms": start.elapsed_time(end), "kernel_sum_ms": sum(r["total_ms"] for r in rows),
            "kernels": sum(r["count"] for r in rows), "by_name": rows}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seq", default="4096,8192,16384,32768")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=10)
    args = parser.parse_args()
    kernels = Kernels(args.lib)
    props = torch.cuda.get_device_properties(0)
    result = {"device": props.name, "torch": torch.__version__, "cudnn": torch.backends.cudnn.version(),
              "rounds": args.rounds, "repetitions": args.repetitions, "checks": [], "shapes": []}

    def save():
        with open(args.out + ".tmp", "w") as f:
            json.dump(result, f, indent=1)
        os.replace(args.out + ".tmp", args.out)

    with torch.no_grad():
        failures = check_layer_ops(kernels, result["checks"].append)
        result["layer_op_check_failures"] = failures
        save()
        if failures:
            print(f"FAILED: {failures} fused layer-kernel checks; nothing timed")
            return 1
        for s in [int(v) for v in args.seq.split(",")]:
            stack = Stack(s, kernels, "1D+3A+12R", 5)
            x = (torch.randn(s, HIDDEN, device="cuda") * 0.5).to(torch.bfloat16)
            rec = {"seq_len": s}
            ref = stack.forward(x, KINDS["cudnn"]).float()
            out = stack.forward(x, KINDS["fa3"]).float()
            rec["fa3_stack_vs_cudnn_stack_relative_error"] = relative(out, ref)
            rec["nan"] = int(torch.isnan(out).sum().item())
            del ref, out
            q, k, v = stack.qkv(stack.normed, stack.layers[0])
            rec.update(o_projection_layouts(stack, q, k, v))
            cudnn_out = stack.attention("cudnn", q, k, v)
            fa3_out = stack.attention("D", q, k, v)
            rec["one_layer_fa3_vs_cudnn_relative"] = relative(fa3_out, cudnn_out)
            for name, a in (("cudnn", cudnn_out), ("fa3", fa3_out)):
                rec[f"transpose_reshape_{name}_median_ms"] = timed(lambda: o_projection_input(a, s), 30)["median_ms"]
            attention = {"cudnn": [], "fa3": []}
            for r in range(2):
                for name in (("cudnn", "fa3") if r == 0 else ("fa3", "cudnn")):
                    kind = "cudnn" if name == "cudnn" else "D"
                    attention[name].append(timed(lambda: stack.attention(kind, q, k, v), 20)["median_ms"])
            rec["attention_alone_ms"] = attention
            rec["rounds"] = []
            for r in range(args.rounds):
                row = {}
                for name in (("cudnn", "fa3") if r % 2 == 0 else ("fa3", "cudnn")):
                    row[name] = stamped(lambda: stack.forward(x, KINDS[name]), args.repetitions)
                rec["rounds"].append(row)
                print(f"S {s} round {r}: cuDNN {row['cudnn']['median_ms']:.3f} ms, fa3 {row['fa3']['median_ms']:.3f} "
                      f"ms ({row['fa3']['median_ms'] / row['cudnn']['median_ms'] - 1:+.2%})", flush=True)
            for name in ("cudnn", "fa3"):
                values = sorted(row[name]["median_ms"] for row in rec["rounds"])
                rec[f"{name}_median_of_rounds_ms"] = values[len(values) // 2]
            rec["fa3_over_cudnn"] = rec["fa3_median_of_rounds_ms"] / rec["cudnn_median_of_rounds_ms"]
            rec["profile"] = {name: kernel_profile(stack, x, name) for name in ("cudnn", "fa3")}
            for name, p in rec["profile"].items():
                print(f"S {s} profile {name}: event {p['event_ms']:.3f} ms, kernels {p['kernels']} summing to "
                      f"{p['kernel_sum_ms']:.3f} ms; top: "
                      + "; ".join(f"{r['name'][:50]} x{r['count']} {r['total_ms']:.2f}" for r in p["by_name"][:7]),
                      flush=True)
            print(f"S {s}: " + ", ".join(f"{key} {value}" for key, value in rec.items()
                                          if key not in ("rounds", "profile")), flush=True)
            result["shapes"].append(rec)
            save()
            del stack, q, k, v, cudnn_out, fa3_out
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
