"""Whole-layer benchmark: a 16-layer LLaMA-3.2-1B-shaped stack (hidden 2048, 32 query heads over 8 K/V heads,
head_dim 64, SwiGLU MLP 8192, RMSNorm, RoPE, residual adds) in PyTorch, with the attention of every layer from one
of: SDPA's cuDNN backend, our fa3-style kernel dense, or our fa3-style kernel under a layer schedule such as
1D+3A+12R (dense, anchor = dense + block maxima + top-k selection, reuse = sparse over the latest anchor's lists).
Our kernels come from libcascadesim_attention.so (validation/layers/attention_capi.cu) through ctypes, on PyTorch's
current stream: the attention, and the fused layer kernels (validation/kernels/layer_ops.cu) that every stack here
uses whatever its attention: the residual add fused with the next RMSNorm, RoPE fused with the split of the QKV
output into head-major Q, K, V (and the K/V cache write of a decode step), and SiLU(gate) * up. The projections and
the MLP are torch.matmul (cuBLAS). The fused kernels are checked against float64 and PyTorch's eager operations
first, and every part is timed on its own, beside its eager PyTorch form.

Usage: python3 validation/layers/layer_stack.py --lib PATH/libcascadesim_attention.so --out LAYERS.json
       [--seq 4096,8192,16384,32768] [--schedule 1D+3A+12R] [--top-k 5] [--repetitions 10] [--sustain-s 0]
       (--sustain-s S > 0: each stack of ours, after its timed burst, also runs back to back for S seconds, timed over
       the second half with the SM clock, power and NVML's energy counter sampled: its sustained time, clock and
       energy per run under the board's power limit)
       python3 validation/layers/layer_stack.py --lib ... --out DECODE_LAYERS.json --decode
       (batched decode steps of the same stack: one new token per sequence against K/V caches of every layer, the
       attention from SDPA cuDNN or our split-KV decode kernel; each step captured once as a CUDA graph and timed
       by its replays, so that the times are the GPU's, not the host's dispatch)
"""
import argparse
import ctypes
import json
import math
import os
import sys
import tempfile
import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clock"))
from telemetry import Sampler  # noqa: E402

HIDDEN, HEADS, KV_HEADS, HEAD_DIM, MLP, LAYERS = 2048, 32, 8, 64, 8192, 16
TILE = 128
EPSILON = 1e-5
TOLERANCE = 1e-2  # relative error against float64, as the runner's checks (METHOD.md: bf16 between 1e-3 and 1e-2)


def stream():
    return torch.cuda.current_stream().cuda_stream


class Kernels:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        p, i, f = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
        self.lib.cascadesim_fa3_attention.argtypes = [p, p, p, p, p, p, p, i, i, i, i, i, i, p]
        self.lib.cascadesim_top_k_select.argtypes = [p, p, p, i, i, i, p]
        self.lib.cascadesim_decode.argtypes = [p, p, p, p, p, p, p, p, i, i, i, i, i, i, p]
        self.lib.cascadesim_decode_splits.argtypes = [i, i, i, i, i]
        self.lib.cascadesim_add_rms_norm.argtypes = [p, p, p, p, i, i, f, p]
        self.lib.cascadesim_rope_qkv.argtypes = [p, p, p, p, p, p, i, i, i, i, i, i, i, i, p]
        self.lib.cascadesim_silu_mul.argtypes = [p, p, i, i, p]

    @staticmethod
    def _check(name, status):
        if status != 0:
            raise RuntimeError(f"{name}: CUDA error {status}")

    def decode(self, q, k, v, o, offsets, cols, partial_o, partial_ml, splits):
        b, h, d = q.shape
        self._check("cascadesim_decode", self.lib.cascadesim_decode(
            q.data_ptr(), k.data_ptr(), v.data_ptr(), o.data_ptr(), offsets.data_ptr(), cols.data_ptr(),
            partial_o.data_ptr(), partial_ml.data_ptr(), b, h, k.shape[1], k.shape[2], d, splits, stream()))

    def attention(self, q, k, v, o, offsets, cols, block_max=None):
        b, h, s, d = q.shape
        self._check("cascadesim_fa3_attention", self.lib.cascadesim_fa3_attention(
            q.data_ptr(), k.data_ptr(), v.data_ptr(), o.data_ptr(), offsets.data_ptr(), cols.data_ptr(),
            block_max.data_ptr() if block_max is not None else None, b, h, k.shape[1], s, d, 1, stream()))

    def select(self, block_max, offsets, cols, rows, s):
        self._check("cascadesim_top_k_select", self.lib.cascadesim_top_k_select(
            block_max.data_ptr(), offsets.data_ptr(), cols.data_ptr(), rows, s, 1, stream()))

    def add_rms_norm(self, residual, delta, weight, normed):
        """residual += delta (unless None); normed = RMSNorm(residual) * weight (unless normed is None)."""
        hidden = residual.shape[-1]
        self._check("cascadesim_add_rms_norm", self.lib.cascadesim_add_rms_norm(
            residual.data_ptr(), delta.data_ptr() if delta is not None else None,
            weight.data_ptr() if weight is not None else None, normed.data_ptr() if normed is not None else None,
            residual.numel() // hidden, hidden, EPSILON, stream()))

    def rope_qkv(self, qkv, cos, sin, q, k, v, position0=0, kv_row0=0):
        """qkv [B * S, (H + 2 KVH) D] -> q [B, H, S, D], k / v [B, KVH, capacity, D] at rows kv_row0.."""
        b, h, s, d = q.shape
        self._check("cascadesim_rope_qkv", self.lib.cascadesim_rope_qkv(
            qkv.data_ptr(), cos.data_ptr(), sin.data_ptr(), q.data_ptr(), k.data_ptr(), v.data_ptr(), b, s, h,
            k.shape[1], d, position0, k.shape[2], kv_row0, stream()))

    def silu_mul(self, gate_up, out):
        width = out.shape[-1]
        self._check("cascadesim_silu_mul", self.lib.cascadesim_silu_mul(
            gate_up.data_ptr(), out.data_ptr(), out.numel() // width, width, stream()))


def csr_lists(s, top_k=None):
    """Row offsets (and dense column indices) per (batch 1, head, query tile), causal 128 x 128 tiles."""
    q_tiles = math.ceil(s / TILE)
    counts = [min(q + 1, top_k) if top_k else q + 1 for q in range(q_tiles)] * HEADS
    offsets = [0]
    for c in counts:
        offsets.append(offsets[-1] + c)
    cols = [] if top_k else [t for _ in range(HEADS) for q in range(q_tiles) for t in range(q + 1)]
    dev = lambda x: torch.tensor(x, dtype=torch.int32, device="cuda")
    # Top-k lists start as key tile 0 (visible to every query tile) until an anchor layer selects them.
    return dev(offsets), (dev(cols) if cols else torch.zeros(offsets[-1], dtype=torch.int32, device="cuda"))


def rope_tables(s, head_dim=HEAD_DIM):
    inv = 1.0 / (500000.0 ** (torch.arange(0, head_dim, 2, device="cuda", dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(s, device="cuda", dtype=torch.float32), inv)
    return angles.cos().to(torch.bfloat16), angles.sin().to(torch.bfloat16)


# Eager PyTorch forms of the fused kernels: the references of the checks and the "eager" rows of the part timings.
def rope(x, cos, sin):  # x [B, H, S, D], rotate-half form
    d = x.shape[-1]
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


def rms_norm(x, w):
    return F.rms_norm(x, (x.shape[-1],), w, EPSILON)


def eager_rope_qkv(qkv, cos, sin, batch, s, heads=HEADS, kv_heads=KV_HEADS, head_dim=HEAD_DIM):
    q, k, v = qkv.split([heads * head_dim, kv_heads * head_dim, kv_heads * head_dim], dim=-1)
    q = q.reshape(batch, s, heads, head_dim).transpose(1, 2)
    k = k.reshape(batch, s, kv_heads, head_dim).transpose(1, 2)
    v = v.reshape(batch, s, kv_heads, head_dim).transpose(1, 2).contiguous()
    return rope(q, cos, sin).contiguous(), rope(k, cos, sin).contiguous(), v


def relative(out, ref):
    out, ref = out.double(), ref.double()
    return ((out - ref).norm() / ref.norm()).item()


def check_layer_ops(kernels, emit):
    """The fused kernels against float64 (from the same bf16 inputs) and against PyTorch's eager bf16 operations, on
    fresh random inputs, outputs poisoned with NaN first. Returns the number of failed checks."""
    g = torch.Generator(device="cuda").manual_seed(12345)
    rnd = lambda *shape, std=1.0: (torch.randn(*shape, device="cuda", generator=g) * std).to(torch.bfloat16)
    nan = lambda *shape: torch.full(shape, float("nan"), device="cuda", dtype=torch.bfloat16)
    failures = 0

    def report(what, shape, ours, ref64, eager, extra=None):
        nonlocal failures
        rec = {"what": f"check: {what}", "shape": shape, "seq_len": 0, "median_ms": 0.0,
               "relative_error_vs_float64": relative(ours, ref64),
               "eager_relative_error_vs_float64": relative(eager, ref64),
               "relative_difference_vs_eager": relative(ours, eager),
               "nan": int(torch.isnan(ours.float()).sum().item()), **(extra or {})}
        rec["pass"] = rec["relative_error_vs_float64"] <= TOLERANCE and rec["nan"] == 0 and all(
            v == 0 for k, v in (extra or {}).items() if k.endswith("mismatches"))
        failures += 0 if rec["pass"] else 1
        emit(rec)
        print(f"   {'ok' if rec['pass'] else 'FAIL'} {what} {shape}: vs float64 {rec['relative_error_vs_float64']:.2e} "
              f"(eager {rec['eager_relative_error_vs_float64']:.2e}), "
              f"vs eager {rec['relative_difference_vs_eager']:.2e}"
              f", NaN {rec['nan']}" + "".join(f", {k} {v}" for k, v in (extra or {}).items()))

    for rows, hidden in ((1, 2048), (7, 768), (1000, 2048), (4096, 4096)):
        x, d = rnd(rows, hidden), rnd(rows, hidden, std=0.5)
        w = (1.0 + 0.1 * torch.randn(hidden, device="cuda", generator=g)).to(torch.bfloat16)
        # Norm alone, then add + norm.
        out, res = nan(rows, hidden), x.clone()
        kernels.add_rms_norm(res, None, w, out)
        h64 = x.double()
        ref = h64 * torch.rsqrt((h64 * h64).mean(-1, keepdim=True) + EPSILON) * w.double()
        report("rmsnorm", [rows, hidden], out, ref, rms_norm(x, w), {"residual_mismatches": int((res != x).sum())})
        out, res = nan(rows, hidden), x.clone()
        kernels.add_rms_norm(res, d, w, out)
        h = x + d  # bf16 add: the residual the kernel must store, exactly
        h64 = h.double()
        ref = h64 * torch.rsqrt((h64 * h64).mean(-1, keepdim=True) + EPSILON) * w.double()
        report("residual add + rmsnorm", [rows, hidden], out, ref, rms_norm(h, w),
               {"residual_mismatches": int((res != h).sum())})
        res = x.clone()
        kernels.add_rms_norm(res, d, None, None)
        report("residual add alone", [rows, hidden], res, x.double() + d.double(), h)

    # RoPE + split: prefill shapes (partial, GQA, d 64 and 128), and a decode step writing into a cache.
    for batch, s, heads, kv_heads, d, capacity, row0 in ((1, 1000, 32, 8, 64, 1000, 0), (2, 257, 32, 8, 128, 257, 0),
                                                        (1, 4096, 32, 8, 64, 4096, 0), (4, 1, 32, 8, 64, 300, 299),
                                                        (3, 1, 32, 8, 128, 129, 128)):
        position0 = row0
        cos, sin = rope_tables(capacity, d)
        qkv = rnd(batch * s, (heads + 2 * kv_heads) * d)
        q, k, v = nan(batch, heads, s, d), nan(batch, kv_heads, capacity, d), nan(batch, kv_heads, capacity, d)
        kernels.rope_qkv(qkv, cos, sin, q, k, v, position0, row0)
        c, sn = cos[position0:position0 + s], sin[position0:position0 + s]
        eq, ek, ev = eager_rope_qkv(qkv, c, sn, batch, s, heads, kv_heads, d)
        rq, rk, rv = eager_rope_qkv(qkv.double(), c.double(), sn.double(), batch, s, heads, kv_heads, d)
        written = slice(row0, row0 + s)
        untouched = int((~torch.isnan(k[:, :, :row0].float())).sum() + (~torch.isnan(v[:, :, :row0].float())).sum())
        shape = [batch, s, heads, kv_heads, d, capacity, row0]
        report("rope + qkv split, q", shape, q, rq, eq)
        report("rope + qkv split, k", shape, k[:, :, written], rk, ek, {"cache_rows_written_outside_mismatches":
                                                                        untouched})
        report("rope + qkv split, v", shape, v[:, :, written], rv, ev,
               {"v_mismatches": int((v[:, :, written] != ev).sum())})

    for rows, width in ((1, 8192), (64, 14336), (4096, 8192)):
        gu = rnd(rows, 2 * width, std=2.0)
        out = nan(rows, width)
        kernels.silu_mul(gu, out)
        gate, up = gu.double().split(width, dim=-1)
        eg, eu = gu.split(width, dim=-1)
        report("silu * up", [rows, width], out, F.silu(gate) * up, F.silu(eg) * eu)
    return failures


class Stack:
    """16 layers on x [S, HIDDEN] (batch 1); forward() with our fused layer kernels, forward_eager() with PyTorch's."""

    def __init__(self, s, kernels, schedule, top_k, seed=1):
        g = torch.Generator(device="cuda").manual_seed(seed)
        rnd = lambda *shape, std=0.02: (torch.randn(*shape, device="cuda", generator=g) * std).to(torch.bfloat16)
        self.layers = [dict(n1=(1.0 + 0.1 * torch.randn(HIDDEN, device="cuda", generator=g)).to(torch.bfloat16),
                            n2=(1.0 + 0.1 * torch.randn(HIDDEN, device="cuda", generator=g)).to(torch.bfloat16),
                            wqkv=rnd(HIDDEN, HIDDEN + 2 * KV_HEADS * HEAD_DIM), wo=rnd(HIDDEN, HIDDEN),
                            wgu=rnd(HIDDEN, 2 * MLP), wd=rnd(MLP, HIDDEN)) for _ in range(LAYERS)]
        self.s, self.k, self.schedule, self.top_k = s, kernels, schedule, top_k
        self.cos, self.sin = rope_tables(s)
        self.dense = csr_lists(s)
        self.q_tiles = math.ceil(s / TILE)
        self.sel_offsets, self.sel_cols = csr_lists(s, top_k)
        self.block_max = torch.empty(HEADS * self.q_tiles * self.q_tiles, device="cuda", dtype=torch.float32)
        bf = dict(device="cuda", dtype=torch.bfloat16)
        self.o = torch.empty(1, HEADS, s, HEAD_DIM, **bf)
        self.q = torch.empty(1, HEADS, s, HEAD_DIM, **bf)
        self.kk = torch.empty(1, KV_HEADS, s, HEAD_DIM, **bf)
        self.v = torch.empty(1, KV_HEADS, s, HEAD_DIM, **bf)
        self.normed = torch.empty(s, HIDDEN, **bf)
        self.act = torch.empty(s, MLP, **bf)

    def attention(self, kind, q, k, v):
        if kind in ("cudnn", "flash"):
            backend = SDPBackend.CUDNN_ATTENTION if kind == "cudnn" else SDPBackend.FLASH_ATTENTION
            with sdpa_kernel(backend):
                return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        if kind == "D":
            self.k.attention(q, k, v, self.o, *self.dense)
        elif kind == "A":
            self.k.attention(q, k, v, self.o, *self.dense, block_max=self.block_max)
            self.k.select(self.block_max, self.sel_offsets, self.sel_cols, HEADS * self.q_tiles, self.s)
        else:  # "R": sparse over the latest anchor's selection
            self.k.attention(q, k, v, self.o, self.sel_offsets, self.sel_cols)
        return self.o

    def qkv(self, normed, layer):
        """Fused: the QKV projection, then RoPE + split into the stack's q, k, v buffers."""
        self.k.rope_qkv(torch.matmul(normed, layer["wqkv"]), self.cos, self.sin, self.q, self.kk, self.v)
        return self.q, self.kk, self.v

    def forward(self, x, attention_kinds):
        h = x.clone()
        self.k.add_rms_norm(h, None, self.layers[0]["n1"], self.normed)
        for i, (layer, kind) in enumerate(zip(self.layers, attention_kinds)):
            a = self.attention(kind, *self.qkv(self.normed, layer))
            self.k.add_rms_norm(h, torch.matmul(o_projection_input(a, self.s), layer["wo"]), layer["n2"],
                                self.normed)
            self.k.silu_mul(torch.matmul(self.normed, layer["wgu"]), self.act)
            last = i + 1 == len(self.layers)
            self.k.add_rms_norm(h, torch.matmul(self.act, layer["wd"]), None if last else self.layers[i + 1]["n1"],
                                None if last else self.normed)
        return h

    def forward_eager(self, x, attention_kinds):
        s = self.s
        for layer, kind in zip(self.layers, attention_kinds):
            q, k, v = eager_rope_qkv(torch.matmul(rms_norm(x, layer["n1"]), layer["wqkv"]), self.cos, self.sin, 1, s)
            a = self.attention(kind, q, k, v)
            x = x + torch.matmul(o_projection_input(a, s), layer["wo"])
            gate, up = torch.matmul(rms_norm(x, layer["n2"]), layer["wgu"]).split(MLP, dim=-1)
            x = x + torch.matmul(F.silu(gate) * up, layer["wd"])
        return x


def o_projection_input(a, s):
    """The O projection's input [S, HIDDEN] from an attention output [1, HEADS, S, HEAD_DIM]: a view where the output
    is laid out [1, S, HEADS, HEAD_DIM] in memory, else a transposing copy."""
    return a.transpose(1, 2).reshape(s, HIDDEN)


def o_projection_layouts(stack, q, k, v):
    """Per attention path: the output's strides and whether the O projection's input is a copy, so that a record
    says whether both paths did the same non-attention work (SDPA cuDNN allocates its output in q's layout)."""
    out = {}
    for name, kind in (("cudnn", "cudnn"), ("fa3", "D")):
        a = stack.attention(kind, q, k, v)
        out[f"{name}_output_stride"] = list(a.stride())
        out[f"{name}_o_projection_input_is_copy"] = o_projection_input(a, stack.s).data_ptr() != a.data_ptr()
    return out


def timed(fn, repetitions, warmup=2):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(repetitions):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        samples.append(start.elapsed_time(end))
    samples.sort()
    return {"median_ms": samples[len(samples) // 2], "p10_ms": samples[int(0.1 * len(samples))],
            "p90_ms": samples[min(len(samples) - 1, int(0.9 * len(samples)))], "samples_ms": samples}


def sustained(fn, seconds, sampler):
    """fn back to back for `seconds`: the first half settles the clock under the power limit, the second is timed
    with the clock, power and energy counter sampled (the form gemm_shapes.py's sustained windows have)."""
    t0 = time.time()
    while time.time() - t0 < seconds / 2:
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    half_start = time.time()
    start.record()
    runs = 0
    while time.time() - half_start < seconds / 2:
        fn()
        runs += 1
        if runs % 2 == 0:
            torch.cuda.synchronize()
    end.record()
    end.synchronize()
    return {"seconds": time.time() - t0, "replays_timed": runs, "ms_per_call": start.elapsed_time(end) / runs,
            "telemetry": sampler.between(half_start, time.time())}


def expand_schedule(text):
    kinds = []
    for part in text.split("+"):
        kinds += [part[-1]] * int(part[:-1])
    return kinds


DECODE_TILE = 64
# (batch, context): run 16's three shapes, and batch 16 x 32K, the shipped SpAtten-style decode study's
# (configs/studies/spatten-topk-decode-llama-3.2-1b.json, the LLaMA-3.2-1B decode study).
DECODE_SHAPES = ((1, 32768), (16, 8192), (64, 4096), (16, 32768))


def capture(fn):
    """fn captured once as a CUDA graph after warm-up launches on a side stream; returns (graph, its output)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        out = fn()
    torch.cuda.synchronize()
    return graph, out


def decode_steps(kernels, args, emit):
    """Batched decode steps of the 16-layer stack: x [B, 2048] through every layer against K/V caches of `context`
    tokens (the new token's K/V written at the last position), attention by SDPA cuDNN or our decode; fused layer
    kernels. Each step is timed as a CUDA graph replay, and also launched eagerly for comparison."""
    for batch, context in DECODE_SHAPES:
        g = torch.Generator(device="cuda").manual_seed(batch + context)
        rnd = lambda *shape, std=0.02: (torch.randn(*shape, device="cuda", generator=g) * std).to(torch.bfloat16)
        bf = dict(device="cuda", dtype=torch.bfloat16)
        layers = [dict(n1=(1.0 + 0.1 * torch.randn(HIDDEN, device="cuda", generator=g)).to(torch.bfloat16),
                       n2=(1.0 + 0.1 * torch.randn(HIDDEN, device="cuda", generator=g)).to(torch.bfloat16),
                       wqkv=rnd(HIDDEN, HIDDEN + 2 * KV_HEADS * HEAD_DIM), wo=rnd(HIDDEN, HIDDEN),
                       wgu=rnd(HIDDEN, 2 * MLP), wd=rnd(MLP, HIDDEN),
                       k=rnd(batch, KV_HEADS, context, HEAD_DIM, std=1.0),
                       v=rnd(batch, KV_HEADS, context, HEAD_DIM, std=1.0)) for _ in range(LAYERS)]
        cos, sin = rope_tables(context)
        tiles = math.ceil(context / DECODE_TILE)
        offsets = torch.arange(0, batch * KV_HEADS + 1, dtype=torch.int32, device="cuda") * tiles
        cols = torch.arange(tiles, dtype=torch.int32, device="cuda").repeat(batch * KV_HEADS)
        splits = kernels.lib.cascadesim_decode_splits(batch, KV_HEADS, tiles, HEAD_DIM, HEADS // KV_HEADS)
        partial_o = torch.empty(batch * HEADS * splits * HEAD_DIM, device="cuda", dtype=torch.float32)
        partial_ml = torch.empty(batch * HEADS * splits * 2, device="cuda", dtype=torch.float32)
        o = torch.empty(batch, HEADS, HEAD_DIM, **bf)
        q = torch.empty(batch, HEADS, 1, HEAD_DIM, **bf)
        normed, act = torch.empty(batch, HIDDEN, **bf), torch.empty(batch, MLP, **bf)
        x = (torch.randn(batch, HIDDEN, device="cuda", generator=g) * 0.5).to(torch.bfloat16)
        pos = context - 1
        # Compulsory bytes of one step: every weight and the whole K/V cache read once (activations are tiny).
        step_bytes = sum(2 * (w.numel()) for layer in layers for key, w in layer.items() if key != "n1" and key != "n2")

        def step(kind):
            h = x.clone()
            kernels.add_rms_norm(h, None, layers[0]["n1"], normed)
            for i, layer in enumerate(layers):
                kernels.rope_qkv(torch.matmul(normed, layer["wqkv"]), cos, sin, q, layer["k"], layer["v"], pos, pos)
                if kind == "cudnn":
                    with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
                        a = F.scaled_dot_product_attention(q, layer["k"], layer["v"], enable_gqa=True)
                    a = a.reshape(batch, HIDDEN)  # [B, H, 1, D]: the same element order as [B, 1, H, D]
                else:
                    kernels.decode(q.view(batch, HEADS, HEAD_DIM), layer["k"], layer["v"], o, offsets, cols,
                                   partial_o, partial_ml, splits)
                    a = o.view(batch, HIDDEN)
                kernels.add_rms_norm(h, torch.matmul(a, layer["wo"]), layer["n2"], normed)
                kernels.silu_mul(torch.matmul(normed, layer["wgu"]), act)
                last = i + 1 == len(layers)
                kernels.add_rms_norm(h, torch.matmul(act, layer["wd"]), None if last else layers[i + 1]["n1"],
                                     None if last else normed)
            return h

        def step_eager_ops():
            """The same step with PyTorch's eager RMSNorm, RoPE, SiLU-multiply and adds (cuDNN attention)."""
            h = x.view(batch, 1, HIDDEN)
            c, s_ = cos[pos:pos + 1], sin[pos:pos + 1]
            for layer in layers:
                qq, k, v = eager_rope_qkv(torch.matmul(rms_norm(h, layer["n1"]), layer["wqkv"]).view(batch, -1), c,
                                          s_, batch, 1)
                layer["k"][:, :, pos:pos + 1].copy_(k)
                layer["v"][:, :, pos:pos + 1].copy_(v)
                with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
                    a = F.scaled_dot_product_attention(qq, layer["k"], layer["v"], enable_gqa=True)
                h = h + torch.matmul(a.reshape(batch, 1, HIDDEN), layer["wo"])
                gate, up = torch.matmul(rms_norm(h, layer["n2"]), layer["wgu"]).split(MLP, dim=-1)
                h = h + torch.matmul(F.silu(gate) * up, layer["wd"])
            return h.view(batch, HIDDEN)

        shape = {"seq_len": context, "batch": batch, "splits": splits, "step_compulsory_bytes": step_bytes}
        with torch.no_grad():
            ref = step("cudnn").float()
            ours = step("ours").float()
            eager_ops = step_eager_ops().float()
            check = {"what": "check: decode step, ours vs cuDNN, relative error", **shape, "median_ms": 0.0,
                     "relative_error": relative(ours, ref), "nan": int(torch.isnan(ours).sum().item()),
                     "fused_ops_vs_eager_ops_relative_error": relative(ref, eager_ops)}
            graphs = {}
            for kind in ("cudnn", "ours"):
                try:
                    graphs[kind] = capture(lambda: step(kind))
                    graphs[kind][0].replay()
                    torch.cuda.synchronize()
                    eager_out = ref if kind == "cudnn" else ours
                    check[f"graph_{kind}_vs_eager_relative_error"] = relative(graphs[kind][1], eager_out)
                except Exception as e:  # a backend that cannot be captured: recorded, the eager timings still run
                    check[f"graph_{kind}_error"] = f"{type(e).__name__}: {e}"
            emit(check)
            print("   " + ", ".join(f"{k} {v}" for k, v in check.items() if k not in ("what", "median_ms")))
            for name, kind in (("decode step 16 layers, attention SDPA cuDNN", "cudnn"),
                               ("decode step 16 layers, attention split-KV decode (ours)", "ours")):
                if kind in graphs:
                    t = timed(graphs[kind][0].replay, max(args.repetitions, 30), warmup=3)
                    emit({"what": name + ", CUDA graph", **shape, **t,
                          "GB_per_s": step_bytes / (t["median_ms"] * 1e-3) / 1e9})
                emit({"what": name + ", eager launches", **shape, **timed(lambda: step(kind), args.repetitions)})
            emit({"what": "decode step 16 layers, attention SDPA cuDNN, eager PyTorch layer ops, eager launches",
                  **shape, **timed(step_eager_ops, args.repetitions)})
            del graphs
            # The attention of one layer alone, and the fused layer kernels of one step alone.
            layer = layers[0]
            qa = torch.randn(batch, HEADS, 1, HEAD_DIM, device="cuda", generator=g).to(torch.bfloat16)

            def cudnn_attention():
                with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
                    return F.scaled_dot_product_attention(qa, layer["k"], layer["v"], enable_gqa=True)

            reps = max(args.repetitions, 20)
            emit({"what": "decode attention alone, SDPA cuDNN", **shape, **timed(cudnn_attention, reps)})
            emit({"what": "decode attention alone, split-KV decode (ours)", **shape,
                  **timed(lambda: kernels.decode(qa.view(batch, HEADS, HEAD_DIM), layer["k"], layer["v"], o, offsets,
                                                 cols, partial_o, partial_ml, splits), reps)})
        del layers
        torch.cuda.empty_cache()


def prefill(kernels, args, emit):
    for s in [int(x) for x in args.seq.split(",")]:
        stack = Stack(s, kernels, args.schedule, args.top_k)
        x = (torch.randn(s, HIDDEN, device="cuda") * 0.5).to(torch.bfloat16)
        with torch.no_grad():
            # Same input, same weights: the fa3 dense stack against the cuDNN one (bf16 throughout, 16 layers).
            ref = stack.forward(x, ["cudnn"] * LAYERS).float()
            out = stack.forward(x, ["D"] * LAYERS).float()
            sparse = stack.forward(x, expand_schedule(args.schedule)).float()
            # Controls: SDPA's flash backend against its cuDNN backend through the same 16 layers, and the cuDNN
            # stack with PyTorch's eager layer operations against ours, to tell the amplification of small
            # differences by the stack from an error of ours.
            flash = stack.forward(x, ["flash"] * LAYERS).float()
            eager = stack.forward_eager(x, ["cudnn"] * LAYERS).float()
            rec = {"what": "check: fa3 dense stack vs cuDNN stack, relative error", "seq_len": s, "median_ms": 0.0,
                   "relative_error": relative(out, ref),
                   "flash_stack_vs_cudnn_stack_relative_error": relative(flash, ref),
                   "fused_ops_stack_vs_eager_ops_stack_relative_error": relative(ref, eager),
                   "nan": int(torch.isnan(out).sum().item()), "sparse_stack_nan": int(torch.isnan(sparse).sum().item())}
            emit(rec)
            print("   " + ", ".join(f"{k} {v:.3e}" if isinstance(v, float) else f"{k} {v}" for k, v in rec.items()
                                    if k not in ("what", "median_ms", "seq_len")))
            del ref, out, sparse, flash, eager
            for name, fn in (("stack 16 layers, attention SDPA cuDNN", lambda: stack.forward(x, ["cudnn"] * LAYERS)),
                             ("stack 16 layers, attention fa3-style dense", lambda: stack.forward(x, ["D"] * LAYERS)),
                             (f"stack 16 layers, attention fa3-style {args.schedule} top_k {args.top_k}",
                              lambda: stack.forward(x, expand_schedule(args.schedule))),
                             ("stack 16 layers, attention SDPA cuDNN, eager PyTorch layer ops",
                              lambda: stack.forward_eager(x, ["cudnn"] * LAYERS))):
                record = {"what": name, "seq_len": s, **timed(fn, args.repetitions)}
                if args.sustain_s > 0 and "fa3-style" in name:
                    record["sustained"] = sustained(fn, args.sustain_s, args.sampler)
                    t = record["sustained"]["telemetry"]
                    print(f"   sustained {name} S={s}: {record['sustained']['ms_per_call']:.3f} ms at "
                          f"{t.get('sm_clock_MHz_median', float('nan')):.0f} MHz, "
                          f"{t.get('mean_power_W_from_energy', float('nan')):.0f} W", flush=True)
                emit(record)
            # Each part on its own, on the first layer's weights.
            layer = stack.layers[0]
            h = x.clone()
            kernels.add_rms_norm(h, None, layer["n1"], stack.normed)
            qkv = torch.matmul(stack.normed, layer["wqkv"])
            q, k, v = stack.qkv(stack.normed, layer)
            a = stack.attention("D", q, k, v).clone()
            # One layer's attention: fa3 against cuDNN, and both against float64 where it fits (S <= 8K).
            c = stack.attention("cudnn", q, k, v).float()
            check = {"what": "check: one layer's attention", "seq_len": s, "median_ms": 0.0,
                     "fa3_vs_cudnn_relative": relative(a, c), **o_projection_layouts(stack, q, k, v)}
            if s <= 8192:
                exact = torch.cat([F.scaled_dot_product_attention(
                    q[:, h0:h0 + 4].double(), k[:, h0 // 4:h0 // 4 + 1].double(), v[:, h0 // 4:h0 // 4 + 1].double(),
                    is_causal=True, enable_gqa=True) for h0 in range(0, HEADS, 4)], dim=1)
                check["fa3_vs_float64_relative"] = relative(a, exact)
                check["cudnn_vs_float64_relative"] = relative(c, exact)
                del exact
            print("   " + ", ".join(f"{key} {value:.3e}" for key, value in check.items() if "relative" in key))
            emit(check)
            o_proj = torch.matmul(o_projection_input(a, s), layer["wo"])
            gu = torch.matmul(stack.normed, layer["wgu"])
            gate, up = gu.split(MLP, dim=-1)
            act = torch.empty(s, MLP, device="cuda", dtype=torch.bfloat16)
            kernels.silu_mul(gu, act)
            residual = h.clone()
            attn_flops = 4.0 * HEADS * TILE * TILE * HEAD_DIM * sum(min(q + 1, math.ceil(s / TILE))
                                                                    for q in range(math.ceil(s / TILE)))
            row = 2 * s * HIDDEN  # bytes of one [S, HIDDEN] bf16 tensor
            parts = [
                # (name, fn, flops, compulsory bytes)
                ("residual add + rmsnorm, fused (ours)", lambda: kernels.add_rms_norm(residual, o_proj, layer["n2"],
                                                                                       stack.normed), None, 4 * row),
                ("residual add + rmsnorm, eager PyTorch", lambda: rms_norm(h + o_proj, layer["n2"]), None, 4 * row),
                ("rmsnorm alone, fused kernel (ours)", lambda: kernels.add_rms_norm(residual, None, layer["n1"],
                                                                                     stack.normed), None, 2 * row),
                ("rmsnorm alone, eager PyTorch", lambda: rms_norm(x, layer["n1"]), None, 2 * row),
                ("gemm qkv (S x 2048 x 3072)", lambda: torch.matmul(stack.normed, layer["wqkv"]),
                 2.0 * s * HIDDEN * 3072, None),
                ("rope + qkv split, fused (ours)", lambda: kernels.rope_qkv(qkv, stack.cos, stack.sin, stack.q,
                                                                            stack.kk, stack.v), None, 2 * 2 * s * 3072),
                ("rope + qkv split, eager PyTorch", lambda: eager_rope_qkv(qkv, stack.cos, stack.sin, 1, s), None,
                 2 * 2 * s * 3072),
                ("attention SDPA cuDNN", lambda: stack.attention("cudnn", q, k, v), attn_flops, None),
                ("attention fa3-style dense", lambda: stack.attention("D", q, k, v), attn_flops, None),
                ("attention fa3-style anchor (+ select)", lambda: stack.attention("A", q, k, v), attn_flops, None),
                (f"attention fa3-style reuse top_k {args.top_k}", lambda: stack.attention("R", q, k, v), None, None),
                ("gemm o (S x 2048 x 2048), with the attention output's transpose",
                 lambda: torch.matmul(o_projection_input(a, s), layer["wo"]), 2.0 * s * HIDDEN * HIDDEN,
                 None),
                ("gemm gate+up (S x 2048 x 16384)", lambda: torch.matmul(stack.normed, layer["wgu"]),
                 2.0 * s * HIDDEN * 2 * MLP, None),
                ("silu * up, fused (ours)", lambda: kernels.silu_mul(gu, stack.act), None, 2 * 3 * s * MLP),
                ("silu * up, eager PyTorch", lambda: F.silu(gate) * up, None, 2 * 3 * s * MLP),
                ("gemm down (S x 8192 x 2048)", lambda: torch.matmul(act, layer["wd"]), 2.0 * s * MLP * HIDDEN, None),
                ("residual add alone, fused kernel (ours)", lambda: kernels.add_rms_norm(residual, o_proj, None, None),
                 None, 3 * row),
                ("residual add alone, eager PyTorch", lambda: x + h, None, 3 * row),
            ]
            for name, fn, flops, nbytes in parts:
                t = timed(fn, max(args.repetitions, 20))
                record = {"what": name, "seq_len": s, **t}
                if flops:
                    record["flop_count"] = flops
                    record["TFLOP_per_s"] = flops / (t["median_ms"] * 1e-3) / 1e12
                if nbytes:
                    record["compulsory_bytes"] = nbytes
                    record["GB_per_s"] = nbytes / (t["median_ms"] * 1e-3) / 1e9
                emit(record)
        del stack
        torch.cuda.empty_cache()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seq", default="4096,8192,16384,32768")
    parser.add_argument("--schedule", default="1D+3A+12R")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--sustain-s", type=float, default=0.0)
    parser.add_argument("--decode", action="store_true")
    args = parser.parse_args()
    if args.sustain_s < 0:
        parser.error("--sustain-s must be 0 or more seconds")
    args.sampler = Sampler() if args.sustain_s > 0 else None
    kernels = Kernels(args.lib)
    props = torch.cuda.get_device_properties(0)
    records = []

    def emit(record):
        record["device"] = {"name": props.name, "torch": torch.__version__, "cudnn": torch.backends.cudnn.version()}
        records.append(record)
        print(f"{record['what']:44s} B={record.get('batch', 1):<3d} S={record['seq_len']:<6d} "
              f"median {record['median_ms']:9.3f} ms"
              + (f"  {record['TFLOP_per_s']:.0f} TFLOP/s" if "TFLOP_per_s" in record else "")
              + (f"  {record['GB_per_s']:.0f} GB/s" if "GB_per_s" in record else ""), flush=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(args.out)))
        with os.fdopen(fd, "w") as f:
            json.dump({"schema_version": 1, "records": records}, f, indent=1)
        os.replace(tmp, args.out)

    with torch.no_grad():
        failures = check_layer_ops(kernels, emit)
    if failures:
        print(f"FAILED: {failures} fused layer-kernel checks; nothing timed")
        return 1
    if args.decode:
        decode_steps(kernels, args, emit)
    else:
        prefill(kernels, args, emit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
