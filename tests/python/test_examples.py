"""The three examples in examples/ run to the end with the module's interpreter and write their plots where told."""
import os
import subprocess
import sys

import pytest

from conftest import source


@pytest.mark.parametrize("example, plot, says", [
    ("topk_what_if.py", "topk_what_if.png", "simulated speedup"),
    ("sweep_pareto.py", "sweep_pareto.png", "Pareto front (least time_ms, most speedup)"),
    ("predicted_vs_measured.py", "predicted_vs_measured.png", "272 measured points"),
])
def test_example_runs_and_writes_its_plot(tmp_path, example, plot, says):
    done = subprocess.run([sys.executable, source(os.path.join("examples", example)), str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert says in done.stdout
    assert (tmp_path / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
