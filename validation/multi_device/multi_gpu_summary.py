#!/usr/bin/env python3
"""Summary tables of a multi-GPU device call: NCCL latency (8 B) and bus bandwidth (1 GiB or the largest size) per
collective, and ring attention's median time and speedup over one GPU per run. Usage: multi_gpu_summary.py NCCL.json
RING.json (a missing file is reported and skipped)."""
import json
import sys


def records(path):
    try:
        with open(path) as f:
            return json.load(f)["records"]
    except (OSError, ValueError, KeyError) as e:
        print(f"{path}: no records ({e})\n")
        return []


def nccl_table(recs):
    if not recs:
        return
    print(f"NCCL {recs[0]['nccl_version']}, {recs[0]['ranks']} x {recs[0]['device']['name']}\n")
    print("| collective | smallest size | its median (us) | largest size | busbw (GB/s) | algbw (GB/s) |")
    print("|---|---|---|---|---|---|")
    for name in ("all_reduce", "all_gather", "reduce_scatter", "send_recv"):
        rows = sorted((r for r in recs if r["collective"] == name), key=lambda r: r["bytes"])
        if rows:
            lo, hi = rows[0], rows[-1]
            print(f"| {name} | {lo['bytes']:.0f} B | {lo['median_ms'] * 1e3:.1f} | {hi['bytes'] / 2**20:.0f} MiB | "
                  f"{hi['busbw_GBps']:.1f} | {hi['algbw_GBps']:.1f} |")
    print()


def ring_table(recs):
    if not recs:
        return
    print("| transport | GPUs | context | kv_fetch | top_k | S | reserved SMs | median (ms) | one GPU (ms) | speedup | "
          "sent MB/rank |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in recs:
        print(f"| {r['transport']} | {r['devices']} | {r['context']} | {r['kv_fetch']} | {r['top_k']} | {r['seq_len']} | "
              f"{r.get('reserved_sms', 0)} | "
              f"{r['median_ms']:.3f} | {r['single_device_ms']:.3f} | {r['speedup']:.2f} | "
              f"{r['sent_bytes_max'] / 1e6:.1f} |")
    print()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    nccl_table(records(sys.argv[1]))
    ring_table(records(sys.argv[2]))


if __name__ == "__main__":
    main()
