"""The runner's records measured with --energy-s (cascadesim-validate CASES.json --out M.json --energy-s S) as
records `cascadesim report` compares with both models, time and energy: attention records as the runner writes them;
decode records in decode_records.py's form (kv_splits the split count that ran, one tile edge, no implementation:
split-KV decode is its own family).

Usage: python3 validation/energy_records.py ENERGY_MEASURED.json OUT.json
"""
import sys

from records_file import convert


def records(document):
    out = []
    for r in document["records"]:
        r = dict(r)
        if r["kernel"] == "decode":
            r.pop("implementation", None)
            r["tile_q"] = r["tile_k"]
            r["kv_splits"] = r.pop("decode_splits")
        out.append(r)
    return out


if __name__ == "__main__":
    convert(records, __doc__.strip().splitlines()[-1])
