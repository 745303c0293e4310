"""The code stays ruff-clean and typed (the same as `make lint`)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

PATHS = ["pitfalls", "solutions", "tests", "scripts", "app.py"]


def test_ruff() -> None:
    r = subprocess.run([sys.executable, "-m", "ruff", "check", *PATHS], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]


def test_mypy() -> None:
    r = subprocess.run([sys.executable, "-m", "mypy", "pitfalls", "solutions"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]
