"""The split-KV decode timings of `cascadesim-fa3-bench --decode-time` (decode.json: dense and top-k K/V-fetch decode,
each shape at its default split count and, in a sweep, at others) as measured records that `cascadesim calibrate`
and `report` read (kernel "decode": seq_len is the K/V cache length, top_k the tiles a top-k decode fetches,
kv_splits the split count the kernel ran with), so the decode kernel family is fitted from decode kernels. The copy
record is left out.

Usage: python3 validation/decode_records.py DECODE.json OUT.json
"""
import sys

from records_file import convert, timing


def records(document):
    out = []
    for r in document["records"]:
        if r.get("kernel") not in ("decode_dense", "decode_topk"):
            continue
        kind = "dense" if r["kernel"] == "decode_dense" else f"top{r['top_k_tiles']}"
        out.append({
            "name": f"decode_b{r['batch']}_s{r['context']}_d{r['head_dim']}_{kind}_splits{r['splits']}",
            "kernel": "decode",
            "batch": r["batch"],
            "seq_len": r["context"],
            "heads": r["heads"],
            "kv_heads": r["kv_heads"],
            "head_dim": r["head_dim"],
            "causal": True,
            "tile_q": r["tile_keys"],
            "tile_k": r["tile_keys"],
            "top_k": r["top_k_tiles"],
            "kv_splits": r["splits"],
            "default_splits": r["default_splits"],
            **timing(r),
            "device": r["device"],
        })
    return out


if __name__ == "__main__":
    convert(records, __doc__.strip().splitlines()[-1])
