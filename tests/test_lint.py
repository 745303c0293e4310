"""The code stays ruff-clean and typed (the same as `make lint`)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PATHS = ["pitfalls", "solutions", "tests", "scripts", "app.py"]


def test_ruff() -> None:
    r = subprocess.run([sys.executable, "-m", "ruff", "check", *PATHS], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]


@pytest.mark.slow  # a cold cache takes minutes
def test_mypy() -> None:
    r = subprocess.run([sys.executable, "-m", "mypy", "pitfalls", "solutions"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]


def test_import_contracts() -> None:
    """The walls of pyproject.toml's [tool.importlinter]: checks read plain data, the local AWS
    knows nothing of the course, solutions copy out cleanly, no circles between rooms."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "0 broken" in r.stdout


def _notebook_imports(path: Path) -> list[str]:
    found = []
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            found += re.findall(r"^\s*(?:from|import)\s+([\w.]+)", "".join(cell["source"]), re.M)
            found += re.findall(r"^%load_ext\s+([\w.]+)", "".join(cell["source"]), re.M)
    return found


def test_notebooks_import_only_public_modules_and_never_each_other() -> None:
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for module in _notebook_imports(path):
            parts = module.split(".")
            assert not any(p.startswith("_") for p in parts), f"{path.name} imports private {module}"
            assert parts[0] not in {"notebooks"} and not re.match(r"\d\d_", parts[0]), (
                f"{path.name} imports another notebook ({module})")
