"""Measured-records files that `cascadesim calibrate` and `report` read ({"schema_version": 1, "records": [...]}), as
the converters of validation/ write them from a benchmark's own output: one command line (IN.json OUT.json), the
timing fields every record carries, and a write to a temporary file beside the target renamed into place, so a
reader never sees half a file."""
import json
import os
import sys
import tempfile


def timing(r):
    """A record's timing fields, in the order calibrate's records carry them (docs/results.md)."""
    return {"median_ms": r["median_ms"], "p10_ms": r["p10_ms"], "p90_ms": r["p90_ms"],
            "samples_ms": r.get("samples_ms", [])}


def llama_3_2_1b_shape(seq_len, top_k=0):
    """The shape fields of a record from layer_stack.py's LLaMA-3.2-1B layers (batch 1, 32 query heads of 64, causal,
    128-token tiles)."""
    return {"batch": 1, "seq_len": seq_len, "heads": 32, "head_dim": 64, "causal": True, "tile_q": 128, "tile_k": 128,
            "top_k": top_k}


def sustained_energy(sustained):
    """The energy block of a record (as cascadesim-validate --energy-s writes it) from a sustained window that
    validation/clock/telemetry.py sampled with NVML's energy counter; None when the window has no energy."""
    t = sustained.get("telemetry", {}) if sustained else {}
    if "energy_J" not in t:
        return None
    runs = sustained["replays_timed"] * sustained.get("launches_per_replay", 1)
    return {"runs": runs, "ms_per_run": sustained["ms_per_call"],
            "energy_per_run_J": t["mean_power_W_from_energy"] * sustained["ms_per_call"] / 1000.0,
            "loaded": {"seconds": t["energy_seconds"], "energy_J": t["energy_J"],
                       "mean_power_W": t["mean_power_W_from_energy"],
                       "sm_clock_MHz_median": t.get("sm_clock_MHz_median"), "sm_clock_MHz_min": t.get("sm_clock_MHz_min"),
                       "samples": t.get("samples")}}


def write_records(records, path):
    text = json.dumps({"schema_version": 1, "records": records}, indent=1) + "\n"
    with tempfile.NamedTemporaryFile("w", dir=os.path.dirname(os.path.abspath(path)), delete=False) as f:
        f.write(text)
    os.replace(f.name, path)


def convert(records, usage):
    """The converters' command line: records(the benchmark's JSON document) written to OUT.json."""
    if len(sys.argv) != 3:
        sys.exit(usage)
    with open(sys.argv[1]) as f:
        document = json.load(f)
    write_records(records(document), sys.argv[2])
