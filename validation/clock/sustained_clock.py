"""The SM clock and board power under short timing bursts and under sustained load, for the kernels that matter to a
layer: a large bf16 cuBLAS GEMM, cuDNN attention (PyTorch SDPA) and a device-to-device copy. Each runs a burst (after
a short warm-up, `reps` timed repetitions, as the other validation scripts time kernels) and then `seconds` of back-to-
back repetitions timed in windows of about 0.5 s, while nvidia-smi samples the SM clock, power and throttle reasons
every 50 ms. The record gives each phase's median time and the clock and power sampled during it, so a model can
tell a burst's clock from a sustained forward pass's.

Usage: python3 validation/clock/sustained_clock.py --out OUT.json [--seconds 20] [--reps 20]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from telemetry import Sampler  # noqa: E402


def time_reps(fn, reps):
    out = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        out.append(a.elapsed_time(b))
    return out


def workloads():
    g = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    h = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    q = torch.randn(1, 32, 32768, 128, device="cuda", dtype=torch.bfloat16)
    k, v = torch.randn_like(q), torch.randn_like(q)
    src = torch.empty(1 << 30, device="cuda", dtype=torch.uint8)
    dst = torch.empty_like(src)

    def sdpa():
        with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.CUDNN_ATTENTION):
            F.scaled_dot_product_attention(q, k, v, is_causal=True)

    return [("gemm_bf16_8192^3", lambda: torch.mm(g, h), 2 * 8192.0 ** 3, 0),
            ("sdpa_cudnn_causal_s32768_h32_d128", sdpa, 4 * 32768.0 ** 2 * 128 * 32 / 2, 0),
            ("copy_1GiB", lambda: dst.copy_(src), 0, 2.0 * (1 << 30))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    sampler = Sampler()
    time.sleep(1.0)
    records = []
    for name, fn, flops, bytes_moved in workloads():
        time_reps(fn, 3)
        time.sleep(3.0)  # let the board cool back towards its idle clock between workloads
        t0 = time.time()
        burst = time_reps(fn, args.reps)
        t1 = time.time()
        windows = []
        end = time.time() + args.seconds
        while time.time() < end:
            w0 = time.time()
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            n = 0
            a.record()
            while time.time() - w0 < 0.5:
                fn()
                n += 1
                if n % 8 == 0:
                    torch.cuda.synchronize()
            b.record()
            b.synchronize()
            w1 = time.time()
            windows.append({"ms_per_rep": a.elapsed_time(b) / n, "reps": n,
                            "telemetry": sampler.between(w0, w1)})
        t2 = time.time()
        last = windows[len(windows) // 2:]
        records.append({
            "name": name, "flop_count": flops, "bytes_moved": bytes_moved,
            "burst": {"median_ms": statistics.median(burst), "samples_ms": burst, "telemetry": sampler.between(t0, t1)},
            "sustained": {"seconds": t2 - t1, "median_ms_second_half": statistics.median(w["ms_per_rep"] for w in last),
                          "telemetry_second_half": sampler.between(t1 + (t2 - t1) / 2, t2),
                          "windows": windows}})
        print(name, "burst %.4f ms, sustained (second half) %.4f ms" % (
            records[-1]["burst"]["median_ms"], records[-1]["sustained"]["median_ms_second_half"]), flush=True)
    sampler.stop()
    p = torch.cuda.get_device_properties(0)
    doc = {"schema_version": 1, "device": {"name": p.name, "sm_count": p.multi_processor_count,
                                           "torch": torch.__version__}, "records": records}
    folder = os.path.dirname(os.path.abspath(args.out))
    with tempfile.NamedTemporaryFile("w", dir=folder, delete=False) as f:
        json.dump(doc, f, indent=1)
    os.replace(f.name, args.out)


if __name__ == "__main__":
    main()
