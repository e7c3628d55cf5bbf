"""The cuBLAS GEMM timings of gemm_shapes.py as measured records that `cascadesim calibrate` and `report` read
(kernel "gemm": seq_len is the GEMM's M, the tokens or decode batch; gemm_n and gemm_k its other sides), so the GEMM
kernel family is fitted from GEMMs rather than borrowing attention's figures. The ceiling records are left out. A
shape timed with --sustain-s and NVML's energy counter carries its sustained window's energy per call ("energy").

Usage: python3 validation/layers/gemm_records.py GEMM.json OUT.json
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from records_file import convert, sustained_energy, timing  # noqa: E402


def records(document):
    out = []
    for r in document["records"]:
        if r.get("what") != "cuBLAS bf16 GEMM through torch.matmul":
            continue
        out.append({
            "name": f"{r['model']}_{r['gemm']}_{r['phase']}_m{r['m']}",
            "kernel": "gemm",
            "batch": 1,
            "seq_len": r["m"],
            "gemm_n": r["n"],
            "gemm_k": r["k"],
            "heads": 0,
            "head_dim": 0,
            "causal": False,
            "tile_q": 0,
            "tile_k": 0,
            "top_k": 0,
            **timing(r),
            "flop_count": r["flop_count"],
            "device": r["device"],
        })
        energy = sustained_energy(r.get("sustained") and {**r["sustained"],
                                                          "launches_per_replay": r.get("launches_per_replay", 1)})
        if energy:
            out[-1]["energy"] = energy
    return out


if __name__ == "__main__":
    convert(records, __doc__.strip().splitlines()[-1])
