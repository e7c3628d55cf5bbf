"""sweep: rows streamed as the command writes them, the command's outputs byte for byte, resumable after a stop,
progress, Pareto front, DataFrame; bad specs raise with file and pointer."""
import io
import json
import os
import shutil

import pandas
import pytest

import cascadesim

SMALL_SPEC = "configs/sweeps/kascade-topk-seq-small.json"
OUTPUTS = ["sweep.json", "points.csv", "points.jsonl", "pareto.csv"]


def simulated_spec(path):
    """Six simulated points of the small study (both backends), with a Pareto front, written to path."""
    spec = {"schema_version": 1, "name": "simulated", "study": "tests/data/sim_small.json",
            "axes": [{"path": "/workload/top_k", "values": [1, 2, 8]},
                     {"path": "/hardware/memory/channel_bandwidth_GBps", "values": [100, 335]}],
            "backend": "both", "objectives": ["speedup", "simulated_time_ms", "simulated_speedup"],
            "pareto": {"minimize": ["simulated_time_ms"], "maximize": ["simulated_speedup"]}}
    path.write_text(json.dumps(spec))
    return str(path)


def same_files(a, b):
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.parametrize("jobs", [1, 2])
def test_rows_and_outputs_equal_the_commands(cli, tmp_path, jobs):
    assert cli("sweep", SMALL_SPEC, "--out", str(tmp_path / "cli"), "-j", str(jobs))[0] == 0
    run = cascadesim.sweep(SMALL_SPEC, tmp_path / "py", jobs=jobs, progress=False)
    rows = list(run)
    assert rows == cascadesim.sweep_rows(tmp_path / "cli")
    assert [r["index"] for r in rows] == list(range(12))
    assert run.summary["evaluated"] == 12 and run.summary["ok"] + run.summary["invalid"] == 12
    same_files(tmp_path / "cli", tmp_path / "py")


def test_a_simulated_sweep_over_worker_processes_equals_the_commands(cli, tmp_path):
    spec = simulated_spec(tmp_path / "spec.json")
    assert cli("sweep", spec, "--out", str(tmp_path / "cli"), "-j", "1")[0] == 0
    run = cascadesim.sweep(spec, tmp_path / "py", jobs=2, progress=False)
    assert run.rows() == cascadesim.sweep_rows(tmp_path / "cli")
    assert run.summary["workers"] == "2 processes"
    same_files(tmp_path / "cli", tmp_path / "py")


def test_a_stopped_sweep_resumes_to_the_commands_outputs(cli, tmp_path):
    spec = simulated_spec(tmp_path / "spec.json")
    assert cli("sweep", spec, "--out", str(tmp_path / "cli"), "-j", "1")[0] == 0
    with cascadesim.sweep(spec, tmp_path / "py", jobs=1, progress=False) as run:
        first = next(run)
    assert first["index"] == 0
    assert len(cascadesim.sweep_rows(tmp_path / "py")) < 6
    with pytest.raises(cascadesim.ConfigError, match="--resume"):
        cascadesim.sweep(spec, tmp_path / "py", progress=False).rows()
    resumed = cascadesim.sweep(spec, tmp_path / "py", resume=True, progress=False)
    assert resumed.rows() == cascadesim.sweep_rows(tmp_path / "cli")  # the rows already written come first
    assert resumed.summary["resumed_rows"] >= 1
    same_files(tmp_path / "cli", tmp_path / "py")


def test_a_torn_folder_resumes_with_every_row(cli, tmp_path):
    assert cli("sweep", SMALL_SPEC, "--out", str(tmp_path / "cli"))[0] == 0
    shutil.copytree(tmp_path / "cli", tmp_path / "py")
    (tmp_path / "py" / "pareto.csv").unlink()
    for name, keep in (("points.csv", 6), ("points.jsonl", 5)):  # the header, five rows, and half a line
        lines = (tmp_path / "cli" / name).read_bytes().splitlines(keepends=True)
        (tmp_path / "py" / name).write_bytes(b"".join(lines[:keep]) + lines[keep][:10])
    run = cascadesim.sweep(SMALL_SPEC, tmp_path / "py", resume=True, progress=False)
    assert run.rows() == cascadesim.sweep_rows(tmp_path / "cli")
    assert run.summary["resumed_rows"] == 5 and run.summary["evaluated"] == 7
    same_files(tmp_path / "cli", tmp_path / "py")


def test_progress_goes_where_it_is_asked(tmp_path):
    log = io.StringIO()
    cascadesim.sweep(SMALL_SPEC, tmp_path / "out", progress=log).rows()
    assert "sweep: 100% (12 of 12 points" in log.getvalue()


def test_dataframe_and_pareto_front(tmp_path):
    run = cascadesim.sweep(SMALL_SPEC, tmp_path / "out", progress=False)
    table = run.frame()
    assert isinstance(table, pandas.DataFrame)
    assert len(table) == 12 and list(table.index) == list(range(12))
    front = run.pareto_indices()
    lines = (tmp_path / "out" / "pareto.csv").read_text().splitlines()[1:]
    assert front == [int(line.split(",")[0]) for line in lines] and front
    ok = table[table["status"] == "ok"]
    # No ok point is both faster than and at least as fast-up as a point of the front.
    for i in front:
        assert not ((ok["time_ms"] < table.loc[i, "time_ms"]) & (ok["speedup"] >= table.loc[i, "speedup"])).any()


def test_a_bad_spec_raises_before_anything_runs(tmp_path):
    spec = json.load(open(SMALL_SPEC))
    spec["axes"][0]["path"] = "/workload/top_kk"
    with pytest.raises(cascadesim.ConfigError) as error:
        cascadesim.sweep(spec, tmp_path / "out", label="my-sweep")
    assert error.value.file == "my-sweep"
    assert error.value.pointer == "/axes/0/path"
    assert not os.path.exists(tmp_path / "out")
    with pytest.raises(ValueError, match="jobs must be"):
        cascadesim.sweep(SMALL_SPEC, tmp_path / "out", jobs=0)


def test_a_sweep_report_equals_the_commands(cli, tmp_path):
    cascadesim.sweep(SMALL_SPEC, tmp_path / "sweep", progress=False).rows()
    result = cascadesim.report_sweep(tmp_path / "sweep", tmp_path / "py")
    assert cli("report", "--sweep", str(tmp_path / "sweep"), "--out", str(tmp_path / "cli"))[0] == 0
    assert result["rows"] == 12 and result["pareto_indices"] == cascadesim.sweep(
        SMALL_SPEC, tmp_path / "sweep", resume=True, progress=False).pareto_indices()
    assert (tmp_path / "py" / "report.md").read_bytes() == (tmp_path / "cli" / "report.md").read_bytes()
