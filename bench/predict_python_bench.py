"""The cost of a predict call from Python against the same call from C++ (issue: at most 2x), on one study.

Runs `bench/predict_bench --calls` (the C++ calls) and the module's calls in alternating rounds, so that both see the
same machine load, and prints the median microseconds per call of each and their ratio:
  Study.predict()           against predict_json(loaded study)      (the study loaded once)
  cascadesim.predict(PATH)  against load_study(file) + predict_json (the file read and checked every call)

Usage: PYTHONPATH=build/python /usr/bin/python3 bench/predict_python_bench.py build/bench/predict_bench
       [STUDY.json] [--seconds S] [--rounds R]
"""
import argparse
import statistics
import subprocess
import time

import cascadesim


def micros_per_call(seconds, call):
    calls = 0
    start = time.perf_counter()
    stop_at = start + seconds
    now = start
    while now < stop_at:
        for _ in range(16):
            call()
        calls += 16
        now = time.perf_counter()
    return (now - start) * 1e6 / calls


def cxx_round(executable, study, seconds):
    args = [executable, "--calls", "--seconds", str(seconds), "--rounds", "1"] + ([study] if study else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    figures = {}
    for line in out.splitlines():
        for label in ("predict_json(loaded study)", "load_study(file) + predict_json"):
            if line.startswith(label):
                figures[label] = float(line[len(label):].split()[0])
    return figures["predict_json(loaded study)"], figures["load_study(file) + predict_json"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cxx_bench", help="the predict_bench executable")
    parser.add_argument("study", nargs="?", default="", help="a study file (default: the built-in default study)")
    parser.add_argument("--seconds", type=float, default=1.0, help="per round and call")
    parser.add_argument("--rounds", type=int, default=5)
    a = parser.parse_args()

    path = a.study or None
    study = cascadesim.load(path)
    reference = cascadesim.predict(path)
    assert study.predict() == reference  # the calls timed return the command's result
    cxx_loaded, cxx_file, py_loaded, py_file = [], [], [], []
    for _ in range(a.rounds):
        loaded, from_file = cxx_round(a.cxx_bench, a.study, a.seconds)
        cxx_loaded.append(loaded)
        cxx_file.append(from_file)
        py_loaded.append(micros_per_call(a.seconds, study.predict))
        py_file.append(micros_per_call(a.seconds, lambda: cascadesim.predict(path)))

    print(f"study: {study.files[0]}; {a.rounds} rounds of {a.seconds} s per call, medians")
    print(f"{'call':58s} {'C++ us':>9s} {'Python us':>10s} {'ratio':>7s}")
    for name, cxx, py in (("Study.predict() / predict_json(loaded study)", cxx_loaded, py_loaded),
                          ("cascadesim.predict(PATH) / load_study + predict_json", cxx_file, py_file)):
        c, p = statistics.median(cxx), statistics.median(py)
        print(f"{name:58s} {c:9.2f} {p:10.2f} {p / c:6.2f}x")


if __name__ == "__main__":
    main()
