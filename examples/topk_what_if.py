"""The default study (seed 002: LLaMA-3.2-1B prefill, 32K tokens, 1D+3A+12R, on an H100) and a what-if over top_k:
the analytical end-to-end speedup for each top_k and the simulated one for a few, plotted with matplotlib.

Usage: python3 examples/topk_what_if.py [OUT_DIR]    (the plot goes to OUT_DIR, by default a new temporary folder)
"""
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")  # files only, no window
import matplotlib.pyplot as plt

import cascadesim

out = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="cascadesim-topk-")
os.makedirs(out, exist_ok=True)

study = cascadesim.load()  # the built-in default study; a path or a dict works too
base = study.predict()
print(f"{study.name}: top_k {study.config['workload']['top_k']}, roofline speedup "
      f"{base['roofline']['end_to_end_speedup']:.3f}x, Amdahl {base['amdahl_speedup']:.3f}x")

top_ks = [1, 2, 3, 5, 8, 12, 16, 24, 32]
studies = {k: study.with_values({"/workload/top_k": k}) for k in top_ks}
predicted = cascadesim.frame([studies[k].predict() for k in top_ks])  # one row per prediction
predicted.insert(0, "top_k", top_ks)
print(predicted[["top_k", "tiles.reduction", "effective_attention_speedup", "amdahl_speedup",
                 "roofline.end_to_end_speedup"]].to_string(index=False))

simulated_ks = [2, 5, 16]  # each simulation runs in its own worker process, about a second each
simulated = [studies[k].simulate()["simulated_speedup"] for k in simulated_ks]
for k, s in zip(simulated_ks, simulated):
    print(f"top_k {k:2d}: simulated speedup {s:.3f}x")

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(top_ks, predicted["roofline.end_to_end_speedup"], "o-", label="analytical roofline")
ax.plot(top_ks, predicted["amdahl_speedup"], "s--", label="Amdahl (exact accounting)")
ax.plot(simulated_ks, simulated, "D", markersize=8, label="simulated")
ax.set_xscale("log", base=2)
ax.set_xlabel("top_k (key tiles per query tile in reuse layers)")
ax.set_ylabel("end-to-end speedup over all-dense")
ax.set_title(f"{study.name}: what if top_k were different?")
ax.grid(True, alpha=0.3)
ax.legend()
fig.tight_layout()
plot = os.path.join(out, "topk_what_if.png")
fig.savefig(plot, dpi=120)
print(f"wrote {plot}")
