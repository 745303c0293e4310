"""Shared test helpers: fixture templates, notebook cells by tag."""

from __future__ import annotations

import json
from collections.abc import Iterator
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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A screenshot of the page of a browser test (tests/browser) that failed, path printed."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    pg = getattr(item, "funcargs", {}).get("page")
    if report.when != "call" or not report.failed or pg is None:
        return
    from tests.browser.lab import SHOTS

    SHOTS.mkdir(exist_ok=True)
    shot = SHOTS / f"FAILED-{item.name}.png"
    try:
        pg.screenshot(path=str(shot), full_page=True)
    except Exception as exc:  # the page may be gone; the failure itself is what matters
        report.sections.append(("screenshot", f"none taken: {exc}"))
    else:
        report.sections.append(("screenshot", f"saved: {shot}"))
        print(f"\nscreenshot of the failed page: {shot}")
