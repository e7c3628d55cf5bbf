"""Is the fa3 dense stack's gap to the cuDNN stack at one S systematic? Times the two 16-layer stacks of
layer_stack.py alternately (cuDNN, fa3, fa3, cuDNN, ... so neither always runs first), reports each one's median over
the rounds, the stride of SDPA cuDNN's output (whether the O projection's transpose is a view for it), and the
transpose-and-reshape copy alone for both outputs.

Usage: python3 validation/layers/stack_order_probe.py --lib PATH/libcascadesim_attention.so --out PROBE.json
       [--seq 8192] [--rounds 6] [--repetitions 10]
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_stack import HIDDEN, LAYERS, Kernels, Stack, timed  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seq", type=int, default=8192)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--repetitions", type=int, default=10)
    args = parser.parse_args()
    s = args.seq
    stack = Stack(s, Kernels(args.lib), "1D+3A+12R", 5)
    x = (torch.randn(s, HIDDEN, device="cuda") * 0.5).to(torch.bfloat16)
    result = {"device": torch.cuda.get_device_properties(0).name, "seq_len": s, "rounds": []}
    with torch.no_grad():
        q, k, v = stack.qkv(stack.normed, stack.layers[0])
        cudnn_out = stack.attention("cudnn", q, k, v)
        ours_out = stack.attention("D", q, k, v)
        result["cudnn_output_stride"] = list(cudnn_out.stride())
        result["fa3_output_stride"] = list(ours_out.stride())
        for name, out in (("cudnn", cudnn_out), ("fa3", ours_out)):
            t = timed(lambda: out.transpose(1, 2).reshape(s, HIDDEN), 30)
            result[f"transpose_reshape_{name}_median_ms"] = t["median_ms"]
        kinds = {"cudnn": ["cudnn"] * LAYERS, "fa3": ["D"] * LAYERS}
        for r in range(args.rounds):
            order = ("cudnn", "fa3") if r % 2 == 0 else ("fa3", "cudnn")
            row = {}
            for name in order:
                row[name] = timed(lambda: stack.forward(x, kinds[name]), args.repetitions)["median_ms"]
            result["rounds"].append(row)
            gap = row["fa3"] / row["cudnn"] - 1
            print(f"round {r}: cuDNN {row['cudnn']:.3f} ms, fa3 {row['fa3']:.3f} ms ({gap:+.1%})", flush=True)
    for name in ("cudnn", "fa3"):
        values = sorted(row[name] for row in result["rounds"])
        result[f"{name}_median_of_rounds_ms"] = values[len(values) // 2]
    print({k: v for k, v in result.items() if k != "rounds"})
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
