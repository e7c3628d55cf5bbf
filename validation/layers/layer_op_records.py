"""The fused layer kernels of layer_stack.py that a LLaMA-3.2-1B layer runs as the dataflow describes them, as
measured layer_op records that `cascadesim calibrate` and `report` read: the residual add with its RMSNorm (op
"norm": reads the residual stream and the sublayer's output, writes both the stream and the normalized input) and
SiLU(gate) * up (op "activation"), each predicted as that kernel of a llama-3.2-1b study at the record's shape. They
train and hold out the elementwise family by sequence length.

Left out: "rope + qkv split" also splits Q, K and V into the head-major layout our attention kernel reads (V copied
too), where the dataflow's RoPE is in place on Q and K as inference engines run it, so its bytes differ; "rmsnorm
alone" and "residual add alone" are not kernels of a layer in the measured stack.

Usage: python3 validation/layers/layer_op_records.py LAYERS.json OUT.json
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from records_file import convert, llama_3_2_1b_shape, timing  # noqa: E402

OPS = {"residual add + rmsnorm, fused (ours)": "norm", "silu * up, fused (ours)": "activation"}


def records(document):
    out = []
    for r in document["records"]:
        op = OPS.get(r.get("what", ""))
        if op is None:
            continue
        out.append({
            "name": f"llama-3.2-1b_s{r['seq_len']}_{op}",
            "kernel": "layer_op",
            "model": "llama-3.2-1b",
            "op": op,
            **llama_3_2_1b_shape(r["seq_len"]),
            **timing(r),
            "device": {"name": r["device"]["name"]},
        })
    return out


if __name__ == "__main__":
    convert(records, __doc__.strip().splitlines()[-1])
