"""cuBLAS (bf16, through torch.matmul) on every GEMM of every shipped model (configs/models/*.json): the QKV, O,
gate/up (SwiGLU: gate and up as one GEMM of width 2 * d_mlp, as the layer stack runs it; GELU: up alone) and down
projections, at prefill token counts 4K-32K and decode batches 1-64. Each shape is captured as a CUDA graph of
`launches` products, the inputs rotated over enough sets that one pass moves more than twice the L2, and timed by
its replays (events), so decode's microsecond products are timed without host dispatch. Also measured in the same
process: a large bf16 product (the matrix ceiling) and a device-to-device copy (the memory ceiling).

Every timing carries the SM clock and board power nvidia-smi sampled while it ran (validation/clock/telemetry.py).
With --sustain-s S > 0 each shape's timed burst is followed by S seconds of back-to-back replays, timed and sampled
over their second half: a whole model's forward pass runs at the clock its power allows, which a burst may not show.

Usage: python3 validation/layers/gemm_shapes.py --out GEMM.json [--models configs/models] [--repetitions 10]
       [--sustain-s 0]
"""
import argparse
import glob
import json
import os
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clock"))
from telemetry import Sampler  # noqa: E402

PREFILL_TOKENS = (4096, 8192, 16384, 32768)
DECODE_BATCHES = (1, 2, 4, 8, 16, 32, 64)
MAX_SETS = 16


def gemms(model):
    """(name, K, N) of one layer's projections, x [tokens, K] @ W [K, N]."""
    d, heads, kv, hd, mlp = (model[k] for k in ("d_model", "n_heads", "n_kv_heads", "head_dim", "d_mlp"))
    shapes = [("qkv", d, (heads + 2 * kv) * hd), ("o", heads * hd, d)]
    shapes.append(("gate+up", d, 2 * mlp) if model["mlp"] == "swiglu" else ("up", d, mlp))
    shapes.append(("down", mlp, d))
    return shapes


def time_graph(fn, launches, repetitions, sampler, sustain_s=0.0):
    """Median over replays of a graph of `launches` calls of fn(i), per call, in ms, with the clock and power sampled
    meanwhile; then, if sustain_s > 0, replays back to back for sustain_s seconds, timed over the second half."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for i in range(launches):
            fn(i)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for i in range(launches):
            fn(i)
    graph.replay()
    torch.cuda.synchronize()
    samples = []
    burst_start = time.time()
    for _ in range(repetitions):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        graph.replay()
        end.record()
        end.synchronize()
        samples.append(start.elapsed_time(end) / launches)
    burst_end = time.time()
    samples.sort()
    out = {"median_ms": samples[len(samples) // 2], "p10_ms": samples[int(0.1 * len(samples))],
           "p90_ms": samples[min(len(samples) - 1, int(0.9 * len(samples)))], "launches_per_replay": launches,
           "samples_ms": samples, "telemetry": sampler.between(burst_start, burst_end)}
    if sustain_s > 0:
        t0 = time.time()
        while time.time() - t0 < sustain_s / 2:
            graph.replay()
            torch.cuda.synchronize()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        half_start = time.time()
        start.record()
        replays = 0
        while time.time() - half_start < sustain_s / 2:
            graph.replay()
            replays += 1
            if replays % 4 == 0:
                torch.cuda.synchronize()
        end.record()
        end.synchronize()
        out["sustained"] = {"seconds": time.time() - t0, "replays_timed": replays,
                            "ms_per_call": start.elapsed_time(end) / (replays * launches),
                            "telemetry": sampler.between(half_start, time.time())}
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--models", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                         "configs", "models"))
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--sustain-s", type=float, default=0.0)
    args = parser.parse_args()
    sampler = Sampler()
    props = torch.cuda.get_device_properties(0)
    l2_bytes = props.L2_cache_size
    device = {"name": props.name, "sm_count": props.multi_processor_count, "l2_bytes": l2_bytes,
              "torch": torch.__version__, "cuda": torch.version.cuda}
    records = []

    def emit(record):
        record["device"] = device
        records.append(record)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(args.out)))
        with os.fdopen(fd, "w") as f:
            json.dump({"schema_version": 1, "records": records}, f, indent=1)
        os.replace(tmp, args.out)

    g = torch.Generator(device="cuda").manual_seed(7)
    rnd = lambda *shape: torch.randn(*shape, device="cuda", generator=g).to(torch.bfloat16)

    # Ceilings in the same process.
    n = 8192
    a, b, c = rnd(n, n), rnd(n, n), torch.empty(n, n, device="cuda", dtype=torch.bfloat16)
    t = time_graph(lambda i: torch.matmul(a, b, out=c), 5, args.repetitions, sampler, args.sustain_s)
    emit({"what": "ceiling: bf16 matmul 8192^3", **t, "TFLOP_per_s": 2.0 * n ** 3 / (t["median_ms"] * 1e-3) / 1e12})
    print(f"ceiling: matmul 8192^3 {t['median_ms']:.3f} ms, {records[-1]['TFLOP_per_s']:.0f} TFLOP/s")
    del a, b, c
    src = torch.empty(1 << 30, device="cuda", dtype=torch.uint8)
    src.random_(generator=g)
    dst = torch.empty_like(src)
    t = time_graph(lambda i: dst.copy_(src), 5, args.repetitions, sampler, args.sustain_s)
    emit({"what": "ceiling: device-to-device copy 1 GiB", **t,
          "GB_per_s": 2.0 * src.numel() / (t["median_ms"] * 1e-3) / 1e9})
    print(f"ceiling: copy 1 GiB {t['median_ms']:.3f} ms, {records[-1]['GB_per_s']:.0f} GB/s (read + written)")
    del src, dst

    print(f"{'model':14s} {'gemm':8s} {'phase':7s} {'M':>6s} {'N':>6s} {'K':>6s} {'ms':>9s} {'TFLOP/s':>8s} "
          f"{'GB/s':>7s}")
    for path in sorted(glob.glob(os.path.join(args.models, "*.json"))):
        with open(path) as f:
            model = json.load(f)
        for name, k, n_out in gemms(model):
            for phase, tokens in [("prefill", m) for m in PREFILL_TOKENS] + [("decode", m) for m in DECODE_BATCHES]:
                set_bytes = 2 * (tokens * k + k * n_out + tokens * n_out)
                sets = 1 if set_bytes > 2 * l2_bytes else min(MAX_SETS, 2 * l2_bytes // set_bytes + 1)
                xs = [rnd(tokens, k) for _ in range(sets)]
                ws = [rnd(k, n_out) for _ in range(sets)]
                ys = [torch.empty(tokens, n_out, device="cuda", dtype=torch.bfloat16) for _ in range(sets)]
                launches = max(sets, 20 if phase == "decode" else 3)
                t = time_graph(lambda i: torch.matmul(xs[i % sets], ws[i % sets], out=ys[i % sets]), launches,
                               args.repetitions, sampler, args.sustain_s)
                flops = 2.0 * tokens * k * n_out
                rec = {"what": "cuBLAS bf16 GEMM through torch.matmul", "model": model["name"], "gemm": name,
                       "phase": phase, "m": tokens, "n": n_out, "k": k, "buffer_sets": sets, **t, "flop_count": flops,
                       "compulsory_bytes": set_bytes, "TFLOP_per_s": flops / (t["median_ms"] * 1e-3) / 1e12,
                       "GB_per_s": set_bytes / (t["median_ms"] * 1e-3) / 1e9}
                emit(rec)
                sustained = t.get("sustained", {})
                print(f"{model['name']:14s} {name:8s} {phase:7s} {tokens:6d} {n_out:6d} {k:6d} {t['median_ms']:9.4f} "
                      f"{rec['TFLOP_per_s']:8.1f} {rec['GB_per_s']:7.0f} | sustained "
                      f"{sustained.get('ms_per_call', float('nan')):9.4f} ms at "
                      f"{sustained.get('telemetry', {}).get('sm_clock_MHz_median', float('nan')):.0f} MHz "
                      f"{sustained.get('telemetry', {}).get('power_W_median', float('nan')):.0f} W", flush=True)
                del xs, ws, ys
        torch.cuda.empty_cache()
    sampler.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
