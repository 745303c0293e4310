#!/usr/bin/env python3
"""Timings of the learner's commands (numbers, not pass/fail): progress, reset, doctor, and what
recording one graded attempt adds to an exercise cell.

Usage: python scripts/bench_learner.py [--skip-emulator]
Reset runs in a temporary clone of this repository, so your notebooks are never touched.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import timed  # noqa: E402  (scripts/ is on the path: this script runs from it)


def fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.2f} s, min {min(xs):.2f} s (n={len(xs)})"


def cli(*args: str, root: Path = ROOT, env: dict[str, str] | None = None) -> Callable[[], None]:
    def run() -> None:
        r = subprocess.run([sys.executable, "-m", "pitfalls", *args], cwd=root, capture_output=True,
                           text=True, env={**os.environ, "PYTHONPATH": str(root), **(env or {})})
        assert r.returncode in (0, 1), r.stderr

    return run


def main() -> int:
    from pitfalls.learner.progress import record

    with tempfile.TemporaryDirectory() as d:
        env = {"PITFALLS_PROGRESS_FILE": str(Path(d) / "progress.json"),
               "PITFALLS_STATE_DIR": str(Path(d) / "state"), "JUPYTER_RUNTIME_DIR": str(Path(d) / "rt")}
        path = Path(env["PITFALLS_PROGRESS_FILE"])
        rec = timed(lambda: record(7, False, ["PP07-NO-VERSION-EXPIRY: x"], path=path), 50)
        print(f"record one graded attempt (in the kernel): median {statistics.median(rec) * 1000:.1f} ms")
        print("python -m pitfalls checks (startup reference):", fmt(timed(cli("checks"), 5)))
        print("python -m pitfalls progress:", fmt(timed(cli("progress", env=env), 5)))
        print("python -m pitfalls progress --mistakes:",
              fmt(timed(cli("progress", "--mistakes", str(path), env=env), 5)))

        clone = Path(d) / "clone"
        subprocess.run(["git", "clone", "-q", "--shared", str(ROOT), str(clone)], check=True)
        nb = clone / "notebooks" / "07_s3_source_bucket.ipynb"
        unchanged = timed(cli("reset", "07", root=clone, env=env), 5)
        print("python -m pitfalls reset 07 (unchanged):", fmt(unchanged))

        def changed_then_reset() -> None:
            nb.write_text(nb.read_text().replace("%%exercise 7", "%%exercise 7\n# my work", 1))
            cli("reset", "07", root=clone, env=env)()

        resets = timed(changed_then_reset, 5)
        copies = len(list((clone / "notebooks" / "my-work").glob("07_*.ipynb")))
        assert copies == 5, f"{copies} copies saved, expected 5"
        print("python -m pitfalls reset 07 (saves a copy, restores):", fmt(resets))
        quick = timed(cli("doctor", "--no-emulator", env=env), 3)
        print("python -m pitfalls doctor --no-emulator:", fmt(quick))
        if "--skip-emulator" not in sys.argv:
            full = timed(cli("doctor", env=env), 3)
            print("python -m pitfalls doctor (with the emulator probe):", fmt(full))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
