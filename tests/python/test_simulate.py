"""simulate: the command's --json, parsed, from worker processes; as many simulations as asked, from any thread,
with the GIL released; a trace file; bad input raises with file and pointer."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import cascadesim

SMALL = "tests/data/sim_small.json"


def test_simulate_equals_the_commands_json(cli_json):
    assert cascadesim.simulate(SMALL) == cli_json("simulate", SMALL, "--json")
    assert cascadesim.simulate(SMALL, every_layer=True) == cli_json("simulate", SMALL, "--json", "--every-layer")
    assert cascadesim.simulate(SMALL, hw="h200") == cli_json("simulate", SMALL, "--json", "--hw", "h200")


def test_the_default_study_simulates_as_the_command_does(cli_json):
    assert cascadesim.load().simulate() == cli_json("simulate", "--json")


def test_one_interpreter_runs_many_simulations_and_a_failed_one_leaves_nothing_behind():
    study = cascadesim.load(SMALL)
    first = study.simulate()
    with pytest.raises(cascadesim.ConfigError) as error:
        cascadesim.simulate("tests/data/bad_sim_tile_too_big.json")
    assert error.value.file == "tests/data/bad_sim_tile_too_big.json"
    assert error.value.pointer == "/workload/tile_tokens"
    assert study.simulate() == first
    other = study.with_values({"/workload/top_k": 1}).simulate()
    assert other["schedule"]["time_ms"] < first["schedule"]["time_ms"]  # fewer key tiles per query tile
    assert study.simulate() == first


def test_simulations_run_from_several_threads_at_once():
    study = cascadesim.load(SMALL)
    expected = study.simulate()
    results = [None] * 3

    def run(i):
        results[i] = study.simulate()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 3


def test_the_gil_is_released_while_a_simulation_runs():
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    ticker = threading.Thread(target=tick)
    ticker.start()
    started = time.monotonic()
    cascadesim.simulate(SMALL)
    finished = time.monotonic()
    stop.set()
    ticker.join()
    during = [t for t in ticks if started < t < finished]
    # The ticker runs on every 10 ms sleep while the call waits; held, the GIL would stop it for the whole call.
    assert len(during) >= max(2, int((finished - started) / 0.01) // 4)


def test_a_trace_is_written_once_the_run_has_finished(tmp_path):
    trace = tmp_path / "trace.json"
    cascadesim.simulate(SMALL, trace=trace)
    events = json.loads(trace.read_text())["traceEvents"]
    assert any(e.get("ph") == "X" for e in events)


def test_a_trace_over_an_input_is_refused_and_the_input_kept():
    before = open(SMALL, "rb").read()
    with pytest.raises(cascadesim.OutputError, match="--trace tests/data/sim_small.json: is the input"):
        cascadesim.simulate(SMALL, trace=SMALL)
    assert open(SMALL, "rb").read() == before


def test_ctrl_c_stops_the_worker_and_raises_keyboard_interrupt():
    script = ("import cascadesim\nprint('ready', flush=True)\nstudy = cascadesim.load()\n"
              "while True:\n    study.simulate(every_layer=True)\n")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline() == "ready\n"
    workers = []
    deadline = time.monotonic() + 30
    while not workers and time.monotonic() < deadline:
        time.sleep(0.05)
        workers = [int(pid) for pid in os.listdir("/proc") if pid.isdigit() and parent_of(int(pid)) == process.pid]
    assert workers, "no worker process started"
    interrupted = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - interrupted < 5
    assert "KeyboardInterrupt" in stderr
    assert not any(parent_of(pid) == process.pid for pid in workers)


def parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None
