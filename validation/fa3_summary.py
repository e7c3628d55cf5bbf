"""Tables of a cascadesim-fa3-bench run against PyTorch SDPA of the same device call: fa3-style dense time over
cuDNN's (target >= 90% of cuDNN's speed, i.e. time ratio cuDNN / ours >= 0.90), and block-sparse speedup over our own
fa3-style dense against the ideal tile ratio (dense blocks / sparse blocks).

Usage: python3 validation/fa3_summary.py FA3_MEASURED.json SDPA.json [--schedule NAME]
"""
import argparse
import json


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("measured")
    parser.add_argument("sdpa")
    parser.add_argument("--schedule", default=None, help="only this fa3 schedule (default: every one)")
    args = parser.parse_args()
    ours = json.load(open(args.measured))["records"]
    refs = [r for r in json.load(open(args.sdpa))["records"] if "median_ms" in r]
    ref = {(r["implementation"], r["seq_len"], r["head_dim"], r["causal"], r["kv_heads"]): r for r in refs}
    schedules = sorted({r["schedule"] for r in ours if r["implementation"] == "fa3-style"})
    if args.schedule:
        schedules = [args.schedule]
    print("## Dense prefill: speed relative to SDPA cuDNN (cuDNN time / our time), same call\n")
    print("| S | d | causal | hq/hkv | cuDNN ms | flash ms | fa2-style ms | " +
          " | ".join(f"fa3 {s} ms (x cuDNN)" for s in schedules) + " |")
    print("|---|---|---|---|---|---|---|" + "---|" * len(schedules))
    keys = sorted({(r["seq_len"], r["head_dim"], r["causal"], r["kv_heads"], r["heads"]) for r in ours
                   if r["kernel"] == "dense"}, key=lambda k: (k[0], k[1], not k[2], -k[3]))
    for s, d, causal, hkv, hq in keys:
        cudnn = ref.get(("torch_sdpa_cudnn", s, d, causal, hkv))
        flash = ref.get(("torch_sdpa_flash", s, d, causal, hkv))
        fa2 = [r for r in ours if r["implementation"] == "fa2-style" and r["kernel"] == "dense" and
               (r["seq_len"], r["head_dim"], r["causal"], r["kv_heads"]) == (s, d, causal, hkv)]
        cells = []
        for sch in schedules:
            m = [r for r in ours if r["implementation"] == "fa3-style" and r["kernel"] == "dense" and
                 r["schedule"] == sch and (r["seq_len"], r["head_dim"], r["causal"], r["kv_heads"]) == (s, d, causal, hkv)]
            if not m:
                cells.append("-")
                continue
            t = m[0]["median_ms"]
            cells.append(f"{t:.3f} ({cudnn['median_ms'] / t:.2f})" if cudnn else f"{t:.3f}")
        print(f"| {s} | {d} | {'yes' if causal else 'no'} | {hq}/{hkv} | "
              f"{cudnn['median_ms']:.3f} | {flash['median_ms']:.3f} | "
              f"{fa2[0]['median_ms']:.3f} | " if cudnn and flash and fa2 else
              f"| {s} | {d} | {'yes' if causal else 'no'} | {hq}/{hkv} | "
              f"{cudnn['median_ms'] if cudnn else '-'} | {flash['median_ms'] if flash else '-'} | - | ", end="")
        print(" | ".join(cells) + " |")
    print("\n## Block-sparse over our own fa3-style dense (same schedule), causal, MHA: achieved speedup / ideal\n")
    print("| S | d | top_k | ideal tile ratio | " + " | ".join(f"{s}: ms, speedup, % of ideal" for s in schedules) + " |")
    print("|---|---|---|---|" + "---|" * len(schedules))
    sparse_keys = sorted({(r["seq_len"], r["head_dim"], r["top_k"]) for r in ours if r["kernel"] == "sparse"})
    for s, d, k in sparse_keys:
        cells, ideal = [], None
        for sch in schedules:
            dense = [r for r in ours if r["kernel"] == "dense" and r["implementation"] == "fa3-style" and
                     r["schedule"] == sch and r["causal"] and r["kv_heads"] == r["heads"] and
                     (r["seq_len"], r["head_dim"]) == (s, d)]
            sp = [r for r in ours if r["kernel"] == "sparse" and r["schedule"] == sch and
                  (r["seq_len"], r["head_dim"], r["top_k"]) == (s, d, k)]
            if not dense or not sp:
                cells.append("-")
                continue
            ideal = dense[0]["executed_blocks"] / sp[0]["executed_blocks"]
            speedup = dense[0]["median_ms"] / sp[0]["median_ms"]
            cells.append(f"{sp[0]['median_ms']:.3f}, {speedup:.1f}x, {100 * speedup / ideal:.0f}%")
        print(f"| {s} | {d} | {k} | {ideal:.1f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
