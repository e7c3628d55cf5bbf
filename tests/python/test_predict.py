"""predict, load, describe: the module's results are the command's --json, parsed; bad input raises ConfigError
with the command's lines, file and pointer."""
import json

import pandas
import pytest

import cascadesim

STUDIES = ["configs/studies/kascade-llama-3.2-1b-32k.json", "configs/studies/cascade-3stage-vit-b-16.json",
           "configs/studies/early-exit-vit-b-16.json", "configs/studies/tidaldecode-llama-3.1-8b-32k.json",
           "configs/studies/spatten-topk-decode-llama-3.2-1b.json", "tests/data/sim_small.json"]


@pytest.mark.parametrize("study", STUDIES)
@pytest.mark.parametrize("accounting", ["exact", "seed"])
def test_predict_equals_the_commands_json(cli_json, study, accounting):
    assert cascadesim.predict(study, accounting=accounting) == cli_json(
        "predict", study, "--json", "--accounting", accounting)


def test_default_study_hw_preset_and_config_dirs_as_the_command_takes_them(cli_json):
    assert cascadesim.predict() == cli_json("predict", "--json")
    assert cascadesim.predict(hw="h200") == cli_json("predict", "--json", "--hw", "h200")
    assert cascadesim.predict("tests/data/sim_small.json", config_dirs=["configs"]) == cli_json(
        "predict", "tests/data/sim_small.json", "--json", "--config-dir", "configs")


def test_a_study_from_a_dict_predicts_as_its_file_and_names_its_label():
    with open("configs/studies/kascade-llama-3.2-1b-32k.json") as f:
        document = json.load(f)
    from_file = cascadesim.predict("configs/studies/kascade-llama-3.2-1b-32k.json")
    from_dict = cascadesim.predict(document)
    assert from_dict["files"][0] == "<dict>"
    assert {k: v for k, v in from_dict.items() if k != "files"} == {
        k: v for k, v in from_file.items() if k != "files"}


def test_a_loaded_study_predicts_again_and_its_config_loads_back():
    study = cascadesim.load()
    assert study.name == "kascade-llama-3.2-1b-32k"
    assert study.files[0] == "builtin:configs/studies/kascade-llama-3.2-1b-32k.json"
    first = study.predict()
    assert study.predict() == first
    again = cascadesim.load(study.config)
    assert again.predict()["roofline"] == first["roofline"]


def test_with_values_changes_one_field_and_checks_it_again():
    study = cascadesim.load()
    k8 = study.with_values({"/workload/top_k": 8})
    assert k8.config["workload"]["top_k"] == 8
    # More key tiles per query tile: fewer skipped, less speedup.
    assert k8.predict()["tiles"]["reduction"] < study.predict()["tiles"]["reduction"]
    with pytest.raises(cascadesim.ConfigError) as error:
        study.with_values({"/workload/top_k": 0})
    assert error.value.pointer == "/workload/top_k"
    assert error.value.file == "kascade-llama-3.2-1b-32k with /workload/top_k=0"


@pytest.mark.parametrize("bad", ["bad_unknown_key", "bad_top_k", "bad_two_errors", "bad_syntax", "bad_schedule",
                                 "bad_nonfinite_launch", "does_not_exist"])
def test_bad_input_raises_the_commands_lines_with_file_and_pointer(cli, bad):
    path = f"tests/data/{bad}.json"
    code, _, stderr = cli("predict", path, "--json")
    assert code == 2
    with pytest.raises(cascadesim.ConfigError) as error:
        cascadesim.predict(path)
    assert str(error.value) == stderr.rstrip("\n")
    assert error.value.file == path
    assert [f"{f}: {p or '/'}: {m}" for f, p, m in error.value.issues] == stderr.splitlines()
    assert isinstance(error.value, ValueError)


def test_a_bad_dict_names_its_label_and_pointer():
    with pytest.raises(cascadesim.ConfigError) as error:
        cascadesim.load({"schema_version": 1, "name": "x", "hardware": "h100-sxm", "model": "llama-3.2-1b",
                         "workload": {"phase": "prefill", "seq_len": 1024, "batch": 1, "tile_tokens": 128,
                                      "top_k": 2, "schedul": "1D+15R"}}, label="what-if")
    assert error.value.file == "what-if"
    assert error.value.pointer == "/workload/schedul"
    assert "did you mean 'schedule'" in str(error.value)
    with pytest.raises(cascadesim.ConfigError) as error:
        cascadesim.load(hw="nosuch")
    assert str(error.value).startswith("--hw: /: unknown hardware preset 'nosuch'")


def test_wrong_arguments_are_python_errors():
    with pytest.raises(ValueError, match="accounting must be 'seed' or 'exact'"):
        cascadesim.predict(accounting="fast")
    with pytest.raises(TypeError):
        cascadesim.load(42)


def test_describe_and_the_schema_equal_the_commands(cli_json, cli, tmp_path):
    assert cascadesim.describe() == cli_json("describe", "--json")
    schema = tmp_path / "schema.json"
    assert cli("describe", "--schema", str(schema))[0] == 0
    assert cascadesim.study_schema() == json.loads(schema.read_text())


def test_predictions_as_dataframe_rows():
    table = cascadesim.frame([cascadesim.predict(), cascadesim.predict(accounting="seed")])
    assert isinstance(table, pandas.DataFrame)
    assert list(table["accounting"]) == ["exact", "seed"]
    assert table["roofline.end_to_end_speedup"][0] == cascadesim.predict()["roofline"]["end_to_end_speedup"]
