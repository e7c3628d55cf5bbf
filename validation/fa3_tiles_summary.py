#!/usr/bin/env python3
"""Markdown tables of runs 21-22 (reports/measured/h100-fa3): the coarse stage (--time-coarse), sparse over dense at
low top_k against the ideal tile ratio (--time-lowk files, medians over every file and repeat given; then the dense
baselines, each label against the first), and decode
split-count sweeps against the copy bandwidth of the same call (--decode-time).
Usage: fa3_tiles_summary.py [--coarse F] [--lowk LABEL=F[,F...] ...] [--copy-GBps X] [--decode F]
With --copy-GBps the low-top_k table adds the memory floor (compulsory bytes / copy bandwidth) and the most any
kernel could reach: the ideal time (dense / ideal tile ratio) over that floor, at most 100%."""
import argparse
import json
import statistics


def records(path):
    with open(path) as f:
        return json.load(f)["records"]


def coarse(path):
    rows = {}
    for r in records(path):
        key = (2 * r["seq_len"], r["head_dim"], "causal" if r["causal"] else "full")
        rows.setdefault(key, {})[(r["implementation"], r["tile_q"], r["schedule"])] = r["median_ms"]
    print("| S (pooled S/2) | d | mask | fa2-style 64x64 ms | fa3-style 64x64 ms | fa3 / fa2 speed | fa3 64x64, deep buffers ms"
          " | fa3 128x128 on the pooled shape ms |\n|---|---|---|---|---|---|---|---|")
    for (s, d, mask), v in rows.items():
        fa2, fa3 = v[("fa2-style", 64, "fa2")], v[("fa3-style", 64, "no-pingpong+persistent")]
        deep = v[("fa3-style", 64, "no-pingpong+persistent+q4s4")]
        print(f"| {s} | {d} | {mask} | {fa2:.3f} | {fa3:.3f} | {fa2 / fa3:.2f}x | {deep:.3f} "
              f"| {v[('fa3-style', 128, 'no-pingpong+persistent')]:.3f} |")


def lowk(labelled, copy_GBps):
    # label -> (S, d, kernel, top_k, schedule) -> medians; dense of the same label and schedule is the baseline
    times = {}
    for label, paths in labelled:
        for path in paths.split(","):
            for r in records(path):
                key = (r["seq_len"], r["head_dim"], r["kernel"], r["top_k"], r["schedule"])
                times.setdefault(label, {}).setdefault(key, []).append(r["median_ms"])
                times[label].setdefault(("blocks",) + key, r["executed_blocks"])
                times[label].setdefault(("bytes",) + key, r["compulsory_bytes"])
    labels = [lab for lab, _ in labelled]
    floor = " | memory floor ms | most reachable" if copy_GBps else ""
    print("| S | d | top_k | schedule | " + " | ".join(f"{lab}: sparse ms, % of ideal" for lab in labels) + floor +
          " |\n|---|---|---|---|" + "---|" * (len(labels) + (2 if copy_GBps else 0)))
    for key in sorted(k for k in times[labels[0]] if k[0] not in ("blocks", "bytes") and k[2] == "sparse"):
        s, d, _, k, sched = key
        cells = []
        for lab in labels:
            t = times[lab]
            dense_key = (s, d, "dense", 0, sched)
            dense = statistics.median(t[dense_key])
            sparse = statistics.median(t[key])
            ideal = t[("blocks",) + dense_key] / t[("blocks",) + key]
            cells.append(f"{sparse:.4f}, {100 * dense / sparse / ideal:.1f}%")
        if copy_GBps:
            t = times[labels[0]]
            floor_ms = t[("bytes",) + key] / (copy_GBps * 1e9) * 1e3
            ideal_ms = statistics.median(t[(s, d, "dense", 0, sched)]) * t[("blocks",) + key] / \
                t[("blocks", s, d, "dense", 0, sched)]
            cells += [f"{floor_ms:.4f}", f"{min(100.0, 100 * ideal_ms / floor_ms):.0f}%"]
        print(f"| {s} | {d} | {k} | {sched} | " + " | ".join(cells) + " |")
    # The dense baselines themselves, each label against the first (an A/B of builds moves them too).
    print("\n| S | d | schedule | " + " | ".join(f"{lab}: dense ms" for lab in labels) +
          " |\n|---|---|---|" + "---|" * len(labels))
    for key in sorted(k for k in times[labels[0]] if k[0] not in ("blocks", "bytes") and k[2] == "dense"):
        s, d, _, _, sched = key
        base = statistics.median(times[labels[0]][key])
        cells = [f"{base:.4f}"] + [f"{statistics.median(times[lab][key]):.4f} "
                                   f"({statistics.median(times[lab][key]) / base - 1:+.1%})" for lab in labels[1:]]
        print(f"| {s} | {d} | {sched} | " + " | ".join(cells) + " |")


def decode(path):
    recs = records(path)
    copy = next(r["GB_per_s"] for r in recs if r["kernel"] == "copy")
    print(f"Copy bandwidth in this call: {copy:.0f} GB/s\n")
    shapes = {}
    for r in recs[1:]:
        key = (r["kernel"], r["batch"], r["context"], r["head_dim"], r["top_k_tiles"])
        shapes.setdefault(key, []).append(r)
    print("| kind | batch | context | d | top_k tiles | default: splits, launches, ms, % of copy | best of the sweep: splits,"
          " launches, ms, % of copy |\n|---|---|---|---|---|---|---|")
    for (kind, b, ctx, d, k), rs in shapes.items():
        def cell(r):
            return f"{r['splits']}, {r.get('launches', 2)}, {r['median_ms']:.4f}, " \
                   f"{100 * r['achieved_GB_per_s'] / copy:.0f}%"
        default = next(r for r in rs if r["default_splits"] and r.get("launches", 2) == 2)
        best = min(rs, key=lambda r: r["median_ms"])
        print(f"| {kind.replace('decode_', '')} | {b} | {ctx} | {d} | {k or 'all'} | {cell(default)} | {cell(best)} |")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--coarse")
    p.add_argument("--lowk", action="append", default=[], help="LABEL=FILE[,FILE...]")
    p.add_argument("--copy-GBps", type=float, default=0)
    p.add_argument("--decode")
    a = p.parse_args()
    if a.coarse:
        coarse(a.coarse)
    if a.lowk:
        lowk([tuple(x.split("=", 1)) for x in a.lowk], a.copy_GBps)
    if a.decode:
        decode(a.decode)
