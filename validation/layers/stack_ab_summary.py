"""Summary of a stack_ab.py call: per S and round, each stack's median (p10, p90), and the SM clock, power and
power-cap samples of an `nvidia-smi -lms` log (timestamp, clocks.sm, clocks.mem, power.draw, temperature,
clocks_event_reasons.active; timestamps taken as UTC) that fall inside the timed block; then the per-kernel profile.

Usage: python3 validation/layers/stack_ab_summary.py STACK_AB.json CLOCKS.csv
"""
import csv
import datetime
import json
import statistics
import sys


def main():
    d = json.load(open(sys.argv[1]))
    samples = []
    for r in list(csv.reader(open(sys.argv[2])))[1:]:
        try:
            t = datetime.datetime.strptime(r[0].strip(), "%Y/%m/%d %H:%M:%S.%f")
            samples.append((t.replace(tzinfo=datetime.timezone.utc).timestamp(), int(r[1].split()[0]),
                            float(r[3].split()[0]), int(r[5].strip(), 16)))
        except (ValueError, IndexError):
            continue
    print(f"{d['device']}, torch {d['torch']}, cuDNN {d['cudnn']}; fused layer-kernel checks: {len(d['checks'])}, "
          f"failed {d['layer_op_check_failures']}\n")
    for s in d["shapes"]:
        print(f"S {s['seq_len']}: median of rounds cuDNN {s['cudnn_median_of_rounds_ms']:.3f} ms, fa3 "
              f"{s['fa3_median_of_rounds_ms']:.3f} ms, fa3 / cuDNN {s['fa3_over_cudnn']:.4f}; stack outputs differ by "
              f"{s['fa3_stack_vs_cudnn_stack_relative_error']:.2e}, NaN {s['nan']}; output strides cuDNN "
              f"{s['cudnn_output_stride']} (O-projection input a copy: {s['cudnn_o_projection_input_is_copy']}), fa3 "
              f"{s['fa3_output_stride']} (copy: {s['fa3_o_projection_input_is_copy']}); transpose+reshape alone "
              f"{s['transpose_reshape_cudnn_median_ms']:.3f} / {s['transpose_reshape_fa3_median_ms']:.3f} ms; "
              f"attention alone cuDNN {s['attention_alone_ms']['cudnn']}, fa3 {s['attention_alone_ms']['fa3']} ms")
        for i, rd in enumerate(s["rounds"]):
            parts = []
            for n in ("cudnn", "fa3"):
                b = rd[n]
                inside = [x for x in samples if b["wall_start"] <= x[0] <= b["wall_end"]]
                clock = statistics.median(x[1] for x in inside) if inside else None
                watts = max(x[2] for x in inside) if inside else None
                cap = sum(1 for x in inside if x[3] & 4)
                parts.append(f"{n} {b['median_ms']:.3f} ms (p10 {b['p10_ms']:.3f}, p90 {b['p90_ms']:.3f}); "
                             f"{len(inside)} samples, SM clock median {clock} MHz, max {watts} W, power cap in {cap}")
            gap = rd["fa3"]["median_ms"] / rd["cudnn"]["median_ms"] - 1
            print(f"  round {i} ({'cuDNN' if i % 2 == 0 else 'fa3'} first): " + " | ".join(parts) + f"; fa3 {gap:+.2%}")
        for n in ("cudnn", "fa3"):
            p = s["profile"][n]
            print(f"  profile {n}: one forward {p['event_ms']:.3f} ms (CUDA events), {p['kernels']} kernels summing to "
                  f"{p['kernel_sum_ms']:.3f} ms")
            for r in p["by_name"][:8]:
                print(f"    {r['name'][:70]:70s} x{r['count']:<3d} {r['total_ms']:8.3f} ms")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
