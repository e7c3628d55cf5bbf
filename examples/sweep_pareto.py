"""A design-space sweep to a pandas DataFrame and its Pareto front: the default study over top_k x seq_len x layer
schedule x hardware preset (960 analytical points), the fastest configurations that keep the most speedup.

Usage: python3 examples/sweep_pareto.py [OUT_DIR]    (the sweep folder and the plot go to OUT_DIR, by default a new
temporary folder; run it again on the same folder and the sweep resumes, here with nothing left to do)
"""
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import cascadesim

out = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="cascadesim-sweep-")
os.makedirs(out, exist_ok=True)

# The sweep spec format of configs/sweeps/ (docs/sweep.md), as a dict.
spec = {
    "schema_version": 1,
    "name": "topk-seq-schedule-hardware",
    "study": "kascade-llama-3.2-1b-32k",
    "axes": [
        {"path": "/workload/top_k", "values": [1, 2, 5, 8, 16, 32]},
        {"path": "/workload/seq_len", "log_range": {"from": 1024, "to": 131072, "points": 8}},
        {"path": "/workload/schedule", "values": ["1D+3A+12R", "1D+1A+14R", "2D+2A+12R", "1D+7A+8R", "16D"]},
        {"path": "/hardware", "values": ["h100-sxm", "h200", "a100-sxm-80gb", "t4"]},
    ],
    "backend": "analytical",
    "objectives": ["time_ms", "speedup", "hbm_bytes"],
    "pareto": {"minimize": ["time_ms"], "maximize": ["speedup"]},
}
run = cascadesim.sweep(spec, os.path.join(out, "sweep"), jobs=2, resume=True, progress=False)
table = run.frame()  # every point, in index order; invalid points (top_k above the key tiles) have no figures
print(f"{run.summary['points']} points: {run.summary['ok']} ok, {run.summary['invalid']} invalid "
      f"({run.summary['evaluated']} evaluated by this run)")
ok = table[table["status"] == "ok"]
print("best speedup per hardware preset:")
best = ok.loc[ok.groupby("/hardware")["speedup"].idxmax()]
print(best[["/hardware", "/workload/top_k", "/workload/seq_len", "/workload/schedule", "speedup"]].to_string(index=False))

front = table.loc[run.pareto_indices()]  # pareto.csv: no point is both faster and has more speedup
print(f"Pareto front (least time_ms, most speedup): {len(front)} points")
print(front[["/hardware", "/workload/top_k", "/workload/seq_len", "/workload/schedule", "time_ms",
             "speedup"]].to_string(index=False))

fig, ax = plt.subplots(figsize=(6.5, 4.5))
for hardware, points in ok.groupby("/hardware"):
    ax.scatter(points["time_ms"], points["speedup"], s=10, alpha=0.5, label=hardware)
ax.plot(front["time_ms"], front["speedup"], "k*-", markersize=9, label="Pareto front")
ax.set_xscale("log")
ax.set_xlabel("time_ms (one forward pass)")
ax.set_ylabel("speedup over all-dense")
ax.set_title(spec["name"])
ax.grid(True, alpha=0.3)
ax.legend(fontsize=8)
fig.tight_layout()
plot = os.path.join(out, "sweep_pareto.png")
fig.savefig(plot, dpi=120)
print(f"wrote {plot} and the sweep's folder {run.out_dir}")
