"""What the Python tests share: the command-line tool to compare with, the source tree, and running it."""
import json
import os
import subprocess

import pytest

SOURCE_DIR = os.environ.get("CASCADESIM_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def source(path):
    return os.path.join(SOURCE_DIR, path)


@pytest.fixture(scope="session")
def cli():
    """Runs `cascadesim ARGS` in the source tree; returns (exit code, stdout, stderr)."""
    executable = os.environ.get("CASCADESIM_CLI")
    if not executable:
        pytest.fail("CASCADESIM_CLI must name the cascadesim executable (ctest sets it)")

    def run(*args):
        done = subprocess.run([executable, *args], cwd=SOURCE_DIR, capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr

    return run


@pytest.fixture(scope="session")
def cli_json(cli):
    """The parsed --json output of a command that must succeed."""

    def run(*args):
        code, out, err = cli(*args)
        assert code == 0, err
        return json.loads(out)

    return run


@pytest.fixture(autouse=True)
def in_source_dir(monkeypatch):
    """Relative paths name the same files for the module and the command (both run in the source tree)."""
    monkeypatch.chdir(SOURCE_DIR)
