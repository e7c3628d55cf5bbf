"""Markdown tables of one whole-layer device call: the fused layer kernels' checks, the 16-layer prefill stacks
(layer_stack.py), the batched decode steps (layer_stack.py --decode) and the GEMM shapes (gemm_shapes.py), with the
issue-15 target for the stack (dense stack within 5% of the same stack with cuDNN attention).

Usage: python3 validation/layers/layers_summary.py LAYERS.json DECODE_LAYERS.json GEMM.json
"""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)["records"]


def main():
    layers, decode, gemm = (load(p) for p in sys.argv[1:4])
    w = print
    w("## Fused layer kernels against float64 and eager PyTorch\n")
    w("| check | shape | vs float64 | eager vs float64 | ours vs eager | NaN | pass |")
    w("|---|---|---|---|---|---|---|")
    for r in layers:
        if "relative_error_vs_float64" in r:
            w(f"| {r['what'][7:]} | {r['shape']} | {r['relative_error_vs_float64']:.2e} | "
              f"{r['eager_relative_error_vs_float64']:.2e} | {r['relative_difference_vs_eager']:.2e} | {r['nan']} | "
              f"{'yes' if r['pass'] else 'NO'} |")
    seqs = sorted({r["seq_len"] for r in layers if r["what"].startswith("stack 16")})
    by = {(r["what"], r["seq_len"]): r for r in layers}
    w("\n## 16-layer prefill stack (fused layer kernels)\n")
    w("| S | cuDNN stack ms | fa3 dense stack ms | fa3 dense / cuDNN | target within 5% | 1D+3A+12R ms | speedup "
      "over fa3 dense | cuDNN stack, eager layer ops ms | fa3 vs cuDNN stack (rel. diff) | flash vs cuDNN (control) "
      "| fused vs eager ops (cuDNN) |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for s in seqs:
        get = lambda prefix: next(r for r in layers if r["what"].startswith(prefix) and r["seq_len"] == s)
        cudnn = get("stack 16 layers, attention SDPA cuDNN")["median_ms"]
        dense = get("stack 16 layers, attention fa3-style dense")["median_ms"]
        sparse = next(r for r in layers if r["seq_len"] == s and "fa3-style 1D" in r["what"])["median_ms"]
        eager = get("stack 16 layers, attention SDPA cuDNN, eager")["median_ms"]
        c = by[("check: fa3 dense stack vs cuDNN stack, relative error", s)]
        ratio = dense / cudnn - 1
        w(f"| {s} | {cudnn:.2f} | {dense:.2f} | {100 * ratio:+.1f}% | {'pass' if abs(ratio) <= 0.05 else 'MISS'} | "
          f"{sparse:.2f} | {dense / sparse:.2f}x | {eager:.2f} | {c['relative_error']:.2e} | "
          f"{c['flash_stack_vs_cudnn_stack_relative_error']:.2e} | "
          f"{c['fused_ops_stack_vs_eager_ops_stack_relative_error']:.2e} |")
    parts = [r["what"] for r in layers if r["seq_len"] == seqs[0] and not r["what"].startswith(("stack", "check"))]
    w("\n| part (layer 0, alone) | " + " | ".join(f"S = {s} ms" for s in seqs) + " |")
    w("|---|" + "---|" * len(seqs))
    for p in parts:
        cells = []
        for s in seqs:
            r = by.get((p, s))
            if not r:
                cells.append("-")
                continue
            extra = (f" ({r['TFLOP_per_s']:.0f} TFLOP/s)" if "TFLOP_per_s" in r else
                     f" ({r['GB_per_s']:.0f} GB/s)" if "GB_per_s" in r else "")
            cells.append(f"{r['median_ms']:.3f}{extra}")
        w(f"| {p} | " + " | ".join(cells) + " |")

    w("\n## Batched decode steps of the 16-layer stack\n")
    w("| batch x context | splits | cuDNN step, graph ms | ours step, graph ms | ours / cuDNN | graph GB/s (ours) | "
      "cuDNN step, eager ms | ours step, eager ms | cuDNN step, eager layer ops, eager ms | attention alone cuDNN / "
      "ours ms | ours vs cuDNN step (rel. diff) | graph vs eager (cuDNN, ours) |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    shapes = [(r["batch"], r["seq_len"]) for r in decode if r["what"].startswith("check: decode step")]
    for b, c in shapes:
        rs = [r for r in decode if r.get("batch") == b and r["seq_len"] == c]
        get = lambda what: next((r for r in rs if r["what"] == what), None)
        ms = lambda what: f"{get(what)['median_ms']:.3f}" if get(what) else "-"
        chk = get("check: decode step, ours vs cuDNN, relative error")
        g_cudnn = get("decode step 16 layers, attention SDPA cuDNN, CUDA graph")
        g_ours = get("decode step 16 layers, attention split-KV decode (ours), CUDA graph")
        ratio = f"{g_ours['median_ms'] / g_cudnn['median_ms']:.3f}" if g_cudnn and g_ours else "-"
        gbs = f"{g_ours['GB_per_s']:.0f}" if g_ours else "-"
        graph = ", ".join(f"{chk[k]:.1e}" if k in chk else chk.get(k.replace("vs_eager_relative_error", "error"), "-")
                          for k in ("graph_cudnn_vs_eager_relative_error", "graph_ours_vs_eager_relative_error"))
        w(f"| {b} x {c} | {chk['splits']} | {ms('decode step 16 layers, attention SDPA cuDNN, CUDA graph')} | "
          f"{ms('decode step 16 layers, attention split-KV decode (ours), CUDA graph')} | {ratio} | {gbs} | "
          f"{ms('decode step 16 layers, attention SDPA cuDNN, eager launches')} | "
          f"{ms('decode step 16 layers, attention split-KV decode (ours), eager launches')} | "
          f"{ms('decode step 16 layers, attention SDPA cuDNN, eager PyTorch layer ops, eager launches')} | "
          f"{ms('decode attention alone, SDPA cuDNN')} / {ms('decode attention alone, split-KV decode (ours)')} | "
          f"{chk['relative_error']:.2e} | {graph} |")

    w("\n## cuBLAS bf16 GEMMs of the shipped models (torch.matmul, CUDA-graph replays)\n")
    for r in gemm:
        if r["what"].startswith("ceiling"):
            w(f"- {r['what']}: {r['median_ms']:.3f} ms, " +
              (f"{r['TFLOP_per_s']:.0f} TFLOP/s" if "TFLOP_per_s" in r else f"{r['GB_per_s']:.0f} GB/s"))
    rows = [r for r in gemm if "model" in r]
    ms_ = sorted({r["m"] for r in rows})
    w("\nTFLOP/s (decode rows: GB/s of weights + activations in brackets)\n")
    w("| model | gemm | N x K | " + " | ".join(f"M = {m}" for m in ms_) + " |")
    w("|---|---|---|" + "---|" * len(ms_))
    keys = []
    for r in rows:
        if (r["model"], r["gemm"]) not in keys:
            keys.append((r["model"], r["gemm"]))
    for model, name in keys:
        rs = {r["m"]: r for r in rows if r["model"] == model and r["gemm"] == name}
        first = next(iter(rs.values()))
        cells = [(f"{rs[m]['TFLOP_per_s']:.0f}" if rs[m]["phase"] == "prefill" else
                  f"{rs[m]['TFLOP_per_s']:.1f} [{rs[m]['GB_per_s']:.0f}]") if m in rs else "-" for m in ms_]
        w(f"| {model} | {name} | {first['n']} x {first['k']} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
