"""Shared test helpers: fixture templates, notebook cells by tag."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOTEBOOKS = ROOT / "notebooks"


def notebook_cells(path: Path, tag: str) -> list[str]:
    """Sources of a notebook's code cells carrying `tag`, in order."""
    nb = json.loads(path.read_text())
    return [
        "".join(c["source"])
        for c in nb["cells"]
        if c["cell_type"] == "code" and tag in c.get("metadata", {}).get("tags", [])
    ]


def scenario_notebook(number: int) -> Path:
    from pitfalls.scenarios import scenario

    return scenario(number).path


def run_tagged_cells(path: Path, *tags: str) -> dict[str, Any]:
    """Run the code cells with any of `tags` (in notebook order) in one namespace, no display."""
    nb = json.loads(path.read_text())
    ns: dict[str, Any] = {"display": lambda *a, **k: None, "__name__": "__notebook__"}
    for c in nb["cells"]:
        cell_tags = c.get("metadata", {}).get("tags", [])
        if c["cell_type"] == "code" and set(tags) & set(cell_tags):
            src = "".join(c["source"])
            # IPython-only lines (magics) are for the live notebook, not for this harness.
            lines = [ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            exec(compile("\n".join(lines), f"{path.name}[{cell_tags}]", "exec"), ns)  # noqa: S102
    return ns


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
