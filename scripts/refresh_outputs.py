#!/usr/bin/env python3
"""Re-execute notebooks top to bottom, in place, so their committed outputs are current.

Usage: python scripts/refresh_outputs.py [notebooks/NN_name.ipynb ...]   (default: all)
Prints each notebook's execution time. Run after changing a scenario, then commit the result.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from pitfalls.learner.progress import scratch

ROOT = Path(__file__).resolve().parent.parent


def refresh(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    # The exercise cells' attempts go to a scratch file: 00's progress table is the same on every run.
    with scratch(path.stem):
        NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    elapsed = time.perf_counter() - t0
    # Execution metadata (timestamps) would make every refresh a diff.
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for p in paths:
        print(f"{p.name:<45} {refresh(p):6.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
