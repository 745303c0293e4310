"""Every pytest run in this repository, whatever its arguments (`make test`, or nbval on one notebook).

Here at the root rather than in tests/: pytest applies a conftest only to the directory it sits in,
so tests/conftest.py would neither stop nbval collecting notebooks/my-work nor reach notebook runs
started without tests/ on the command line.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# `python -m pitfalls reset` keeps learners' own copies there: theirs to keep, not notebooks to test.
collect_ignore = ["notebooks/my-work"]

# No test run records progress in the learner's file (.pitfalls/progress.json): exercise cells under
# nbval run the broken starter code, and tests grade on purpose.
_SCRATCH = Path(tempfile.mkdtemp(prefix="pitfalls-test-progress-"))
os.environ["PITFALLS_PROGRESS_FILE"] = str(_SCRATCH / "tests.json")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # nbval starts a notebook's kernel in the setup of its first cell, and the kernel inherits this
    # environment: each notebook gets a file of its own, so 00's progress table shows none, whichever
    # notebooks the same worker ran before it.
    name = item.path.stem if item.path.suffix == ".ipynb" else "tests"
    os.environ["PITFALLS_PROGRESS_FILE"] = str(_SCRATCH / f"{name}.json")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SCRATCH, ignore_errors=True)
