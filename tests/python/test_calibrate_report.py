"""calibrate and report: the command's files byte for byte, results as dicts, bad input with file and pointer."""
import csv

import pytest

import cascadesim

MEASURED = ["tests/data/measured_h100_small.json", "tests/data/micro_h100.json"]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory, cli):
    folder = tmp_path_factory.mktemp("calibrated")
    args = ["--hw", "h100-sxm", "--measured", *MEASURED, "--commit", "test", "--max-iterations", "1"]
    assert cli("calibrate", *args, "--out", str(folder / "cli.json"))[0] == 0
    result = cascadesim.calibrate("h100-sxm", MEASURED, folder / "py.json", max_iterations=1, commit="test")
    return folder, result


def test_calibrate_writes_the_commands_preset(calibrated):
    folder, result = calibrated
    assert (folder / "py.json").read_bytes() == (folder / "cli.json").read_bytes()
    assert result["preset"]["calibration"]["base_preset"] == "h100-sxm"
    provenance = result["preset"]["calibration"]
    assert provenance["training_points"] + provenance["held_out_points"] == 21
    assert {p["how"] for p in provenance["parameters"]} == {"fitted", "measured"}
    assert [r["split"] for r in result["errors"]][:2] == ["training", "held-out"]


def test_report_writes_the_commands_files_and_returns_its_points(calibrated, cli, tmp_path):
    folder, _ = calibrated
    hw = str(folder / "cli.json")
    result = cascadesim.report(MEASURED, tmp_path / "py", hw=hw, simulate_study=False)
    assert cli("report", "--measured", *MEASURED, "--hw", hw, "--out", str(tmp_path / "cli"),
               "--no-simulate-study")[0] == 0
    for name in ("report.md", "points.csv"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()
    with open(tmp_path / "cli" / "points.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(result["points"]) == len(rows) == 21
    assert [p["name"] for p in result["points"]] == [r["name"] for r in rows]
    assert [p["measured_ms"] for p in result["points"]] == [float(r["measured_ms"]) for r in rows]


def test_bad_measurements_raise_with_file_and_pointer(tmp_path):
    with pytest.raises(cascadesim.ConfigError) as error:
        cascadesim.calibrate("h100-sxm", "tests/data/bad_measured_missing_field.json", tmp_path / "x.json")
    assert error.value.file == "tests/data/bad_measured_missing_field.json"
    assert error.value.pointer.startswith("/records/")
    assert not (tmp_path / "x.json").exists()
    with pytest.raises(cascadesim.ConfigError) as error:
        cascadesim.report("tests/data/bad_measured_other_device.json", tmp_path / "r")
    assert error.value.file == "tests/data/bad_measured_other_device.json"
