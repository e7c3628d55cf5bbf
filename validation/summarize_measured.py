"""Markdown summary of one validation run: dense kernel against PyTorch SDPA, block-sparse speedup against the
ideal tile ratio, the anchor overhead, the cascade stage, the 16-layer stacks, and each kernel's distance from its
compute and memory floors (METHOD.md, "Two numbers first"), the floors taken from the micro-benchmarks measured in
the same run (mma.sync bf16 peak; HBM copy bandwidth counting bytes read + written).

Usage: python3 validation/summarize_measured.py MEASURED.json --micro MICRO.json [--sdpa SDPA.json] [--out FILE.md]
Standard library only.
"""
import argparse
import json
import statistics
import sys


def load_records(path):
    with open(path) as f:
        return json.load(f)["records"]


def micro_value(micro, name, **params):
    for r in micro:
        if r["name"] != name or not r.get("samples_ms"):
            continue
        p = dict(r.get("parameters", {}))
        if all(p.get(k) == v for k, v in params.items()):
            return r["median"]
    return None


def floors(record, peak_tflops, copy_gbps):
    compute_ms = record["flop_count"] / (peak_tflops * 1e12) * 1e3 if peak_tflops else float("nan")
    memory_ms = record["compulsory_bytes"] / (copy_gbps * 1e9) * 1e3 if copy_gbps else float("nan")
    return compute_ms, memory_ms


def floor_columns(record, peak_tflops, copy_gbps):
    c, m = floors(record, peak_tflops, copy_gbps)
    return f"{c:.4f} | {m:.4f} | {record['median_ms'] / max(c, m):.2f}x"


def stage(record, name):
    for s in record.get("stages", []):
        if s["name"] == name:
            return s["median_ms"]
    return float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("measured")
    parser.add_argument("--micro", required=True)
    parser.add_argument("--sdpa")
    parser.add_argument("--out")
    args = parser.parse_args()
    records = load_records(args.measured)
    with open(args.micro) as f:
        micro_doc = json.load(f)
    micro = micro_doc["results"]
    sdpa = {r["name"]: r for r in load_records(args.sdpa)} if args.sdpa else {}
    by_name = {r["name"]: r for r in records}

    def impl(r):  # records written before the fa3-style kernel name no implementation: they ran the fa2-style one
        return r.get("implementation", "fa2-style")

    def dense_of(r):
        """The dense record of r's shape and implementation (the baseline of sparse, anchor and cascade rows)."""
        return next((d for d in records if d["kernel"] == "dense" and d["seq_len"] == r["seq_len"] and
                     d["head_dim"] == r["head_dim"] and d.get("causal") == r.get("causal") and impl(d) == impl(r) and
                     d.get("tile_q") == r.get("tile_q") and d.get("tile_k") == r.get("tile_k")),
                    by_name.get(f"s{r['seq_len']}_d{r['head_dim']}_dense") if impl(r) == "fa2-style" else None)
    peak = micro_value(micro, "mma_bf16_peak")
    # The faster of our copy kernel and cudaMemcpy is the memory ceiling (METHOD.md: a large device-to-device copy).
    copy = max(filter(None, [micro_value(micro, "hbm_copy"), micro_value(micro, "hbm_copy_memcpy")]), default=None)
    out = []
    w = out.append
    dev = records[0]["device"]
    w(f"Device: {dev['name']}, {dev['sm_count']} SMs, SM clock {dev['sm_clock_kHz'] / 1e3:.0f} MHz, "
      f"memory clock {dev['memory_clock_kHz'] / 1e3:.0f} MHz, driver {dev['driver_version']}, "
      f"runtime {dev['runtime_version']}.\n")
    w("## Micro-benchmarks (medians)\n")
    w("| benchmark | parameters | median | p10 | p90 | metric |")
    w("|---|---|---|---|---|---|")
    for r in micro:
        params = ", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}"
                           for k, v in r.get("parameters", {}).items())
        if not r.get("samples_ms"):
            w(f"| {r['name']} | {params} | {r.get('note', 'skipped')} | | | |")
            continue
        w(f"| {r['name']} | {params} | {r['median']:.3f} | {r['p10']:.3f} | {r['p90']:.3f} | {r['metric']} |")
    w("")
    w(f"Floors below use the measured mma.sync peak ({peak:.1f} TFLOP/s) and HBM copy bandwidth "
      f"({copy:.0f} GB/s). Compute floor = FLOPs of the executed blocks / peak; memory floor = compulsory bytes "
      f"(inputs read once, outputs written once) / copy bandwidth; gap = median / the larger floor.\n"
      if peak and copy else "Floors: micro-benchmarks missing.\n")

    dense = [r for r in records if r["kernel"] == "dense"]
    w("## Dense attention (causal) against PyTorch SDPA (flash backend), same device call\n")
    w("| S | d | implementation | ours ms | ours TFLOP/s | SDPA ms | SDPA TFLOP/s | ours / SDPA | compute floor ms | memory floor ms | gap |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in dense:
        s = sdpa.get(r["name"])
        c, m = floors(r, peak, copy)
        ratio = f"{s['median_ms'] and r['median_ms'] and s['median_ms'] / r['median_ms'] * 100:.0f}%" if s else "-"
        w(f"| {r['seq_len']} | {r['head_dim']} | {impl(r)} | {r['median_ms']:.3f} | {r['achieved_TFLOP_per_s']:.1f} | "
          f"{s['median_ms'] if s else float('nan'):.3f} | {s['achieved_TFLOP_per_s'] if s else float('nan'):.1f} | "
          f"{ratio} | {c:.3f} | {m:.3f} | {r['median_ms'] / max(c, m):.2f}x |")
    w("")

    w("## Block-sparse (reuse layer) against our dense kernel\n")
    w("Ideal = executed dense blocks / executed sparse blocks; fraction = measured speedup / ideal.\n")
    w("| S | d | implementation | top_k | sparse ms | speedup | ideal | fraction of ideal | compute floor ms | memory floor ms | gap |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in records:
        if r["kernel"] != "sparse":
            continue
        d = dense_of(r)
        if not d:
            continue
        speedup = d["median_ms"] / r["median_ms"]
        ideal = d["executed_blocks"] / r["executed_blocks"]
        c, m = floors(r, peak, copy)
        w(f"| {r['seq_len']} | {r['head_dim']} | {impl(r)} | {r['top_k']} | {r['median_ms']:.4f} | {speedup:.2f}x | "
          f"{ideal:.2f}x | {speedup / ideal * 100:.0f}% | {c:.4f} | {m:.4f} | {r['median_ms'] / max(c, m):.2f}x |")
    w("")

    w("## Anchor (dense attention keeping block maxima, then the top-k selection) against dense\n")
    w("| S | d | implementation | top_k | dense ms | anchor ms | attention ms | selection ms | overhead | compute floor ms | memory floor ms | gap |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in records:
        if r["kernel"] != "anchor":
            continue
        d = dense_of(r)
        if not d:
            continue
        w(f"| {r['seq_len']} | {r['head_dim']} | {impl(r)} | {r['top_k']} | {d['median_ms']:.4f} | {r['median_ms']:.4f} | "
          f"{stage(r, 'attention'):.4f} | {stage(r, 'select'):.4f} | "
          f"{(r['median_ms'] / d['median_ms'] - 1) * 100:+.1f}% | {floor_columns(r, peak, copy)} |")
    w("")

    w("## Cascade stage (pool by 2, coarse attention with block maxima, top-k, refinement) against dense\n")
    w("| S | d | top_k | pool ms | coarse ms | select ms | refine ms | total ms | speedup over dense | compute floor ms | memory floor ms | gap |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in records:
        if r["kernel"] != "cascade":
            continue
        d = dense_of(r)
        if not d:
            continue
        w(f"| {r['seq_len']} | {r['head_dim']} | {r['top_k']} | {stage(r, 'pool'):.4f} | {stage(r, 'coarse'):.4f} | "
          f"{stage(r, 'select'):.4f} | {stage(r, 'refine'):.4f} | {r['median_ms']:.4f} | "
          f"{d['median_ms'] / r['median_ms']:.2f}x | {floor_columns(r, peak, copy)} |")
    w("")

    w("## Layer stacks: end-to-end attention time of a whole schedule\n")
    w("Ideal = executed blocks of the all-dense stack / those of the schedule.\n")
    w("| S | d | implementation | schedule | top_k | median ms | p10 | p90 | speedup over all-dense | ideal | compute floor ms | memory floor ms | gap |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    stacks = [r for r in records if r["kernel"] == "stack"]
    for r in stacks:
        base = next((b for b in stacks if b["seq_len"] == r["seq_len"] and b["head_dim"] == r["head_dim"]
                     and impl(b) == impl(r) and set(b["schedule"].rstrip("D")) <= set("0123456789")), None)
        speed = base["median_ms"] / r["median_ms"] if base else float("nan")
        ideal = base["executed_blocks"] / r["executed_blocks"] if base else float("nan")
        w(f"| {r['seq_len']} | {r['head_dim']} | {impl(r)} | {r['schedule']} | {r['top_k']} | {r['median_ms']:.3f} | "
          f"{r['p10_ms']:.3f} | {r['p90_ms']:.3f} | {speed:.3f}x | {ideal:.3f}x | {floor_columns(r, peak, copy)} |")
    w("")
    text = "\n".join(out) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
