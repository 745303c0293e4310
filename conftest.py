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


# The test tiers. `make test` runs every tier; `make test-fast` (the inner loop: checks, CLI,
# solutions, exercises) leaves out what starts the local AWS, runs notebooks, builds environments
# or runs whole apps. A module is `slow` when its tests take seconds each on 2 cores.
SLOW_MODULES = {
    "test_app.py", "test_architecture.py", "test_binder.py", "test_codebuild_configuration.py",
    "test_deployment_validation.py", "test_doctor.py", "test_drift.py", "test_instructor_guide.py",
    "test_lambda_app.py", "test_notebooks.py", "test_real_account.py", "test_synth.py",
    "test_corpus_synth.py", "test_cdk_plugin.py",
    "test_versioning_and_rollback.py",
}
NETWORK_MODULES = {"test_binder.py"}  # installs from the package registries


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path
        if path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
            item.add_marker(pytest.mark.slow)
        if "emulator" in path.parts:
            item.add_marker(pytest.mark.emulator)
        if path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        if path.name in NETWORK_MODULES:
            item.add_marker(pytest.mark.network)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SCRATCH, ignore_errors=True)
