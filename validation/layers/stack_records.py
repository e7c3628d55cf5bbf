"""The whole-layer stacks of layer_stack.py (16 LLaMA-3.2-1B layers: projections and MLP through cuBLAS, RMSNorm,
RoPE and residual adds through the fused layer kernels, attention from our fa3-style kernel dense or under a
schedule) as measured stack records that `cascadesim calibrate` and `report` read: kernel "stack" with "model"
llama-3.2-1b, predicted as a study of that model at the record's shape. Calibration holds every stack out. The
stacks with SDPA's cuDNN attention are left out (no implementation of ours stands for cuDNN's kernel). A stack timed
with --sustain-s also carries its sustained window's energy per run, time, power and clock ("energy").

Usage: python3 validation/layers/stack_records.py LAYERS.json OUT.json
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from records_file import convert, llama_3_2_1b_shape, sustained_energy, timing  # noqa: E402

DENSE = "stack 16 layers, attention fa3-style dense"
SCHEDULED = re.compile(r"stack 16 layers, attention fa3-style (\S+) top_k (\d+)$")


def records(document):
    out = []
    for r in document["records"]:
        what = r.get("what", "")
        scheduled = SCHEDULED.match(what)
        if what != DENSE and not scheduled:
            continue
        schedule, top_k = (scheduled.group(1), int(scheduled.group(2))) if scheduled else ("16D", 0)
        out.append({
            "name": f"llama-3.2-1b_s{r['seq_len']}_{schedule}_fa3_layers",
            "kernel": "stack",
            "model": "llama-3.2-1b",
            "schedule": schedule,
            "implementation": "fa3-style",
            **llama_3_2_1b_shape(r["seq_len"], top_k),
            **timing(r),
            "device": {"name": r["device"]["name"]},
        })
        energy = sustained_energy(r.get("sustained"))
        if energy:
            out[-1]["energy"] = energy
    return out


if __name__ == "__main__":
    convert(records, __doc__.strip().splitlines()[-1])
