#!/usr/bin/env python3
"""Benchmarks (numbers, not pass/fail): notebook execution, synth and exercise-check latency in a
warm kernel, set-up time when nothing changed. The checker's whole-process time against cfn-lint
is scripts/bench_checker.py (`make bench` runs both).

Usage: python scripts/bench.py [--skip-notebooks]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn: Callable[[], object], n: int = 1) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def fmt(xs: list[float]) -> str:
    if len(xs) == 1:
        return f"{xs[0]:.3f} s"
    return f"median {statistics.median(xs):.3f} s (min {min(xs):.3f}, max {max(xs):.3f}, n={len(xs)})"


def main() -> int:
    print("== set-up when nothing changed (scripts/setup.py)")
    print("  ", fmt(timed(lambda: subprocess.run([sys.executable, str(ROOT / "scripts/setup.py")],
                                                check=True), 3)))

    print("== in-process synth (warm jsii), and our checks alone on the result")
    from pitfalls.evidence.synth import synth_app
    from solutions.pipeline import PipelineStack

    first = timed(lambda: synth_app(lambda app: PipelineStack(app, "P")))
    print("   full pipeline, first in process:", fmt(first))
    print("   full pipeline, warm:            ",
          fmt(timed(lambda: synth_app(lambda app: PipelineStack(app, "P")), 10)))
    from pitfalls.checks import run_checks
    from pitfalls.templates import Template

    tpl = Template(synth_app(lambda app: PipelineStack(app, "P"))["P"].template, "P")
    print("   our checks on the full pipeline: ", fmt(timed(lambda: run_checks(tpl), 10)))
    from pitfalls.architecture import architecture

    print("   architecture diagram (notebook 15):", fmt(timed(lambda: architecture(tpl.data), 10)))

    print("== exercise check latency (warm kernel)")
    from pitfalls import scenarios
    from pitfalls.learner.exercise import EXERCISES, get, grade

    get(1)  # loads every exercise module
    for n in sorted(EXERCISES):
        cls = get(n).answer_class()  # a variant's reference answer: its own requirements run too
        grade(n, cls)
        label = f"scenario {n:02d}" if n in scenarios.numbers() else f"capstone ({n:02d})"
        print(f"   {label}:", fmt(timed(lambda: grade(n, cls), 10)))  # noqa: B023

    print("== python -m pitfalls check on hostile input (whole process; refused, exit 2)")
    from tests.hostile_inputs import HOSTILE

    with tempfile.TemporaryDirectory() as d:
        for kind, make in HOSTILE.items():
            path = make(Path(d))
            cmd = [sys.executable, "-m", "pitfalls", "check", str(path)]
            size = f"{path.stat().st_size / 1000:,.1f} KB"
            runs = timed(lambda: subprocess.run(cmd, capture_output=True, cwd=ROOT), 3)  # noqa: B023
            print(f"   {kind} ({size}):", fmt(runs))

    if "--skip-notebooks" not in sys.argv:
        print("== notebook execution (top to bottom, fresh kernel)")
        import nbformat
        from nbclient import NotebookClient

        from pitfalls.learner.progress import scratch

        for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            nb = nbformat.read(p, as_version=4)
            client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                    resources={"metadata": {"path": str(p.parent)}})
            with scratch(p.stem):  # not the learner's progress file
                print(f"   {p.name:<42}", fmt(timed(client.execute)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
