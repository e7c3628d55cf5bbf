"""cascadesim from Python: load a study (a file, a dict or the built-in default), predict, simulate, describe, sweep,
calibrate and report, over the same library as the ``cascadesim`` command.

Results are plain dicts and lists: exactly what the command prints with ``--json``, parsed. ``frame()`` turns them
into pandas DataFrames when pandas is installed. Bad input raises ``ConfigError``, whose message is the command's
one line per problem (file, JSON pointer, message) and whose ``file``, ``pointer`` and ``issues`` carry them.
Simulations, sweeps, calibration and reports run in forked worker processes (SystemC's kernel is global to a
process) with the GIL released, so one interpreter runs as many as it likes; Ctrl-C stops them. See docs/python.md.
"""

import csv
import json
import os
import sys
from collections import deque

from . import _cascadesim
from ._errors import ConfigError, OutputError

__version__ = "0.1.0"
__all__ = [
    "ConfigError",
    "OutputError",
    "Study",
    "Sweep",
    "calibrate",
    "describe",
    "frame",
    "load",
    "predict",
    "report",
    "report_sweep",
    "simulate",
    "study_schema",
    "sweep",
    "sweep_rows",
]


def _paths(values):
    if isinstance(values, (str, os.PathLike)):
        values = [values]
    return [os.fspath(v) for v in values]


def _pointer_tokens(pointer):
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"{pointer!r} is not a JSON pointer (RFC 6901): it must start with '/'")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _set_pointer(document, pointer, value, label):
    tokens = _pointer_tokens(pointer)
    if not tokens:
        raise ValueError("the empty pointer names the whole study: load a new one instead")
    node = document
    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        parent = "/" + "/".join(tokens[:i]) if i else ""
        if isinstance(node, dict):
            if last:
                node[token] = value
            elif token not in node:
                raise ConfigError(f"{label}: {pointer}: {parent or '/'} has no member '{token}'",
                                  [(label, pointer, f"{parent or '/'} has no member '{token}'")])
            else:
                node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            if last:
                node[int(token)] = value
            else:
                node = node[int(token)]
        else:
            message = f"{parent or '/'} is not an object or has no element {token}"
            raise ConfigError(f"{label}: {pointer}: {message}", [(label, pointer, message)])


class Study:
    """A study loaded and checked once (presets resolved); predict and simulate it as often as you like."""

    def __init__(self, loaded):
        self._loaded = loaded

    @property
    def name(self):
        return self._loaded.name

    @property
    def files(self):
        """Every file read: the study first (its label, for one loaded from a dict), then its presets."""
        return self._loaded.files

    @property
    def config(self):
        """The study as resolved (every field, presets applied), in the study file format: load() takes it back."""
        return self._loaded.config

    def predict(self, accounting="exact"):
        """The analytical prediction: the object ``cascadesim predict --json`` prints, as a dict."""
        return self._loaded.predict(accounting)

    def simulate(self, trace=None, every_layer=False):
        """The simulation (in a worker process): the object ``cascadesim simulate --json`` prints, as a dict.

        ``trace``: a path for the Perfetto trace of the scheduled run, written once the run has finished.
        """
        return self._loaded.simulate(os.fspath(trace) if trace is not None else "", bool(every_layer))

    def with_values(self, values, label=None):
        """A new study: this one's config with each JSON pointer in ``values`` set, loaded and checked again.

        ``study.with_values({"/workload/top_k": 8})``; a bad value raises ConfigError naming ``label`` (by default
        this study's name and the values).
        """
        document = self.config
        if label is None:
            label = self.name + " with " + ", ".join(f"{p}={json.dumps(v)}" for p, v in values.items())
        for pointer, value in values.items():
            _set_pointer(document, pointer, value, label)
        return load(document, label=label)

    def __repr__(self):
        return f"<cascadesim.Study {self.name!r} from {self.files[0]!r}>"


def load(study=None, *, hw=None, config_dirs=(), label=None):
    """Loads a study: None (the built-in default study), a path, a dict in the study file format, or a Study.

    ``hw``: a hardware preset (name or path) replacing the study's hardware, as ``--hw``; ``config_dirs``: folders
    holding hw/ and models/ presets, searched first, as ``--config-dir``; ``label``: what errors in a dict's values
    name as its file (default ``<dict>``). Raises ConfigError with every problem found.
    """
    hardware = os.fspath(hw) if hw is not None else ""
    dirs = _paths(config_dirs)
    if isinstance(study, Study):
        if not hardware and not dirs:
            return study
        study = study.config
    if study is None or isinstance(study, (str, os.PathLike)):
        path = os.fspath(study) if study is not None else ""
        return Study(_cascadesim.load_study_file(path, hardware, dirs))
    if isinstance(study, dict):
        return Study(_cascadesim.load_study_text(json.dumps(study), label or "<dict>", hardware, dirs))
    raise TypeError(f"a study is None, a path, a dict or a Study (got {type(study).__name__})")


def predict(study=None, *, accounting="exact", hw=None, config_dirs=()):
    """``cascadesim predict --json``: the analytical prediction as a dict (``accounting``: "exact" or "seed")."""
    return load(study, hw=hw, config_dirs=config_dirs).predict(accounting)


def simulate(study=None, *, trace=None, every_layer=False, hw=None, config_dirs=()):
    """``cascadesim simulate --json``: the simulation (in a worker process) as a dict."""
    return load(study, hw=hw, config_dirs=config_dirs).simulate(trace, every_layer)


def describe():
    """``cascadesim describe --json``: every study parameter and hardware component, with units and bounds."""
    return _cascadesim.describe()


def study_schema():
    """The JSON Schema of study files (``cascadesim describe --schema``)."""
    return _cascadesim.study_schema()


def _read_jsonl(path, count=None):
    """The first ``count`` complete lines (all of them when None) of a points.jsonl, parsed."""
    rows = []
    with open(path, "rb") as f:
        for line in f:
            if count is not None and len(rows) >= count:
                break
            if not line.endswith(b"\n"):
                break  # a torn last line of a stopped sweep
            rows.append(json.loads(line))
    return rows


def sweep_rows(out_dir):
    """Every complete row of a sweep folder's points.jsonl (written by sweep() or ``cascadesim sweep``)."""
    return _read_jsonl(os.path.join(os.fspath(out_dir), "points.jsonl"))


class Sweep:
    """A sweep running in worker processes. Iterate it for its rows (dicts, in point order, the rows a resumed
    folder already held first) as they are written to ``out_dir``; ``summary`` is set once it has ended.
    ``rows()`` and ``frame()`` wait for the end. Stopping it early (``stop()``, Ctrl-C, leaving a ``with`` block)
    leaves a folder that ``resume=True`` continues."""

    def __init__(self, run, out_dir, progress):
        self._run = run
        self.out_dir = out_dir
        self._progress = progress
        self._pending = deque()
        self._all = []
        self._started = False
        self.summary = None

    def __iter__(self):
        return self

    def _take_resumed(self, count):
        if not self._started:
            self._started = True
            if count > 0:
                self._pending.extend(_read_jsonl(os.path.join(self.out_dir, "points.jsonl"), count))

    def __next__(self):
        while not self._pending:
            event = self._run.next() if self._run is not None else None
            if event is None:
                self._run = None
                raise StopIteration
            kind, payload = event
            if kind == "rows":
                rows = [json.loads(line) for line in payload.splitlines()]
                self._take_resumed(rows[0]["index"] if rows else 0)
                self._pending.extend(rows)
            elif kind == "progress":
                if self._progress is not None:
                    self._progress.write(payload)
                    self._progress.flush()
            elif kind == "summary":
                self.summary = payload
                self._take_resumed(payload["resumed_rows"])
        row = self._pending.popleft()
        self._all.append(row)
        return row

    def rows(self):
        """Every row of the sweep (waits for the end)."""
        for _ in self:
            pass
        return self._all

    def frame(self):
        """Every row as a pandas DataFrame indexed by point (waits for the end)."""
        table = frame(self.rows())
        return table.set_index("index", drop=False) if "index" in table.columns else table

    def pareto_indices(self):
        """The points on the Pareto front (pareto.csv; waits for the end). Empty without Pareto objectives."""
        self.rows()
        path = os.path.join(self.out_dir, "pareto.csv")
        if not os.path.exists(path):
            return []
        with open(path, newline="") as f:
            return [int(row["index"]) for row in csv.DictReader(f)]

    def stop(self):
        """Ends the sweep where it is; the folder can be resumed."""
        if self._run is not None:
            self._run.stop()
            self._run = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def sweep(spec, out, *, jobs=None, resume=False, progress=True, config_dirs=(), label=None):
    """``cascadesim sweep SPEC --out OUT``: a Sweep, already running; every problem in the spec raises first.

    ``spec``: a path or a dict in the sweep spec format (``label`` names a dict in errors, default ``<dict>``);
    ``jobs``: parallel workers (default: the machine's cores); ``resume``: continue an interrupted sweep in ``out``;
    ``progress``: True (standard error), False, or a file to write the progress lines to. The outputs (points.csv,
    points.jsonl, sweep.json, pareto.csv) are the command's, byte for byte.
    """
    if jobs is None:
        jobs = 0
    elif not isinstance(jobs, int) or isinstance(jobs, bool) or not 1 <= jobs <= 4096:
        raise ValueError(f"jobs must be a worker count from 1 to 4096 (got {jobs!r})")
    stream = sys.stderr if progress is True else (progress or None)
    terminal = bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
    out = os.fspath(out)
    if isinstance(spec, dict):
        path, text = "", json.dumps(spec)
    else:
        path, text = os.fspath(spec), ""
    run = _cascadesim.SweepRun(path, text, label or "<dict>", out, jobs, bool(resume), _paths(config_dirs), terminal)
    return Sweep(run, out, stream)


def calibrate(hw, measured, out, *, max_iterations=12, commit=None, config_dirs=()):
    """``cascadesim calibrate``: fits preset ``hw`` to the measured files, writes the calibrated preset to ``out``
    and returns {preset, errors, ...}: the preset as written (its "calibration" member holds the parameters before
    and after, the split and the errors per model) and the error table (in a worker process; minutes on a full
    data set)."""
    return _cascadesim.calibrate(os.fspath(hw), _paths(measured), os.fspath(out), int(max_iterations),
                                 commit or "", _paths(config_dirs))


def _cell(text):
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def report(measured, out, *, hw=None, study=None, base_hw=None, simulate_study=True, config_dirs=()):
    """``cascadesim report``: predicted against measured, before and after calibration, written to ``out``
    (report.html, report.md, plots/, points.csv). Returns the error tables and ``points``: each measured point with
    both models' predictions (the rows of points.csv). Runs in a worker process."""
    result = _cascadesim.report(_paths(measured), os.fspath(hw) if hw is not None else "",
                                os.fspath(base_hw) if base_hw is not None else "",
                                os.fspath(study) if study is not None else "", os.fspath(out),
                                bool(simulate_study), _paths(config_dirs))
    with open(os.path.join(os.fspath(out), "points.csv"), newline="") as f:
        result["points"] = [{k: _cell(v) for k, v in row.items()} for row in csv.DictReader(f)]
    return result


def report_sweep(sweep_dir, out):
    """``cascadesim report --sweep``: a sweep folder's report (heat maps, Pareto front) written to ``out``."""
    return _cascadesim.report_sweep(os.fspath(sweep_dir), os.fspath(out))


def frame(data):
    """A pandas DataFrame of results: sweep rows or report points (one row each), or one or more predict/simulate
    results (nested keys joined with '.', e.g. ``roofline.end_to_end_speedup``). Needs pandas."""
    try:
        import pandas
    except ImportError as e:
        raise ImportError("cascadesim.frame needs pandas (Debian: apt-get install python3-pandas)") from e
    rows = data if isinstance(data, list) else [data]
    return pandas.json_normalize(rows)
