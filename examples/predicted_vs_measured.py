"""Predicted against measured on the H100: the committed measurements (reports/measured/h100/: 272 attention
kernels timed on an H100 SXM, and its micro-benchmarks) against the simulator and the analytical model, before and
after the committed calibration (reports/h100/h100-sxm-calibrated.json), as a DataFrame and a log-log plot.

Usage: python3 examples/predicted_vs_measured.py [OUT_DIR]    (the report and the plot go to OUT_DIR, by default a
new temporary folder; about half a minute on two cores: every point is simulated on both presets)
"""
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import cascadesim

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
measured = [os.path.join(repo, "reports/measured/h100/measured.json"),
            os.path.join(repo, "reports/measured/h100/micro.json")]
calibrated = os.path.join(repo, "reports/h100/h100-sxm-calibrated.json")
out = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="cascadesim-measured-")
os.makedirs(out, exist_ok=True)

result = cascadesim.report(measured, os.path.join(out, "report"), hw=calibrated, simulate_study=False)
points = cascadesim.frame(result["points"])  # one row per measured kernel, both models before and after
print(f"{len(points)} measured points; split: {result['split_rule']}")
errors = cascadesim.frame(result["errors"])
print(errors[errors["split"] == "held-out"][["model", "calibration", "points", "time median APE", "time max APE",
                                             "speedup median APE", "speedup max APE"]].to_string(index=False))

held_out = points[points["split"] == "held-out"]
for model in ("simulated_after_ms", "analytical_after_ms"):
    ape = (held_out[model] - held_out["measured_ms"]).abs() / held_out["measured_ms"]
    print(f"{model}: held-out median error {100 * ape.median():.1f}%, max {100 * ape.max():.1f}%")

fig, ax = plt.subplots(figsize=(5.5, 5))
ax.scatter(points["measured_ms"], points["simulated_after_ms"], s=10, label="simulator, calibrated")
ax.scatter(points["measured_ms"], points["analytical_after_ms"], s=10, marker="x", label="analytical, calibrated")
ax.scatter(points["measured_ms"], points["simulated_before_ms"], s=6, alpha=0.4, label="simulator, as shipped")
low, high = points["measured_ms"].min() / 2, points["measured_ms"].max() * 2
ax.plot([low, high], [low, high], "k--", linewidth=1, label="predicted = measured")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("measured on the H100 (ms)")
ax.set_ylabel("predicted (ms)")
ax.set_title("attention kernels: predicted against measured")
ax.grid(True, alpha=0.3)
ax.legend(fontsize=8)
fig.tight_layout()
plot = os.path.join(out, "predicted_vs_measured.png")
fig.savefig(plot, dpi=120)
print(f"wrote {plot} and the report in {result['out_dir']}")
