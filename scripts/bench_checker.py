#!/usr/bin/env python3
"""Benchmark: `python -m pitfalls check` on the full pipeline's cdk.out, whole process, against
cfn-lint on the same template (numbers, not pass/fail; the budget is 0.25 s and 5x cfn-lint).

Both tools run as a user runs them, as fresh processes with their bytecode cached (one warm-up run
each first). Wall time is what a person waits; CPU time (user + system of the child) is what the
process itself costs, and says more than wall time on a busy machine.

Usage: python scripts/bench_checker.py [--runs N]
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BUDGET_S = 0.25
MIN_RATIO = 5.0


def run_timed(cmd: list[str], env: dict[str, str], n: int) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds) of `n` runs of a command, after one untimed warm-up run."""
    subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT)
    walls, cpus = [], []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def show(label: str, walls: list[float], cpus: list[float]) -> None:
    print(f"   {label:<34} wall median {statistics.median(walls):.3f} s (min {min(walls):.3f}), "
          f"CPU median {statistics.median(cpus):.3f} s, n={len(walls)}", flush=True)


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 10
    from pitfalls.evidence.synth import synth_to
    from solutions.pipeline import PipelineStack

    # As a user's shell has it: bytecode is written and reused (CI may disable that).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="bench-checker-") as d:
        out = Path(d) / "cdk.out"
        synth_to(lambda app: PipelineStack(app, "PipelinePitfalls-dev"), out, nag=False)
        template = out / "PipelinePitfalls-dev.template.json"
        resources = len(json.loads(template.read_text())["Resources"])
        print(f"== python -m pitfalls check vs cfn-lint: the full pipeline ({resources} resources)")
        ours = run_timed([sys.executable, "-m", "pitfalls", "check", str(out)], env, runs)
        show("python -m pitfalls check cdk.out", *ours)
        cfn_lint = str(Path(sys.executable).with_name("cfn-lint"))
        theirs = run_timed([cfn_lint, str(template)], env, max(3, runs // 3))
        show("cfn-lint <template>", *theirs)
    wall, cpu = statistics.median(ours[0]), statistics.median(ours[1])
    print(f"   faster than cfn-lint: {statistics.median(theirs[0]) / wall:.1f}x wall, "
          f"{statistics.median(theirs[1]) / cpu:.1f}x CPU (goal {MIN_RATIO:.0f}x)")
    print(f"   within the {BUDGET_S} s budget: wall {'yes' if wall <= BUDGET_S else 'NO'}, "
          f"CPU {'yes' if cpu <= BUDGET_S else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
