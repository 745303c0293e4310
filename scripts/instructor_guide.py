#!/usr/bin/env python3
"""Fill the generated parts of docs/instructor-guide.md from the course itself (`--check`: only compare).

    python scripts/instructor_guide.py            # regenerate the generated blocks in place
    python scripts/instructor_guide.py --check    # exit 1 when the committed guide is stale
    python scripts/instructor_guide.py --measure  # re-time every notebook (minutes), then regenerate

What is generated, and from where:
- each notebook's objectives: its first markdown cell;
- each exercise's typical stops: the notebook's starter code (its `%%exercise N` cell) and the
  half-fixes in scripts/instructor_guide_stops.py, run through the real exercise checker; the guide
  shows the exact message the learner sees at each stop. These are the checker's answers to typical
  attempts, not observations of learners;
- times: the measured execution time of each notebook (docs/notebook-times.json, written by
  `--measure`), plus the reading and exercise estimates below; the agendas add those up.

The prose around the blocks (talking points, prerequisites, how to run the day) is written by hand
in the guide; blocks are delimited by `<!-- generated:NAME -->` ... `<!-- /generated:NAME -->`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from instructor_guide_stops import STOPS, Stop  # noqa: E402

from pitfalls import scenarios  # noqa: E402

GUIDE = ROOT / "docs" / "instructor-guide.md"
TIMES = ROOT / "docs" / "notebook-times.json"
FINAL = scenarios.final().number

# Estimates (minutes), not measurements: reading the notebook and talking it through, and the
# exercise including hints. Rough guides for a room of developers who know some Python and AWS.
ESTIMATES: dict[int, tuple[int, int]] = {
    0: (10, 0),
    1: (10, 10),
    2: (15, 15),
    3: (15, 10),
    4: (10, 10),
    5: (10, 10),
    6: (15, 10),
    7: (10, 5),
    8: (15, 10),
    9: (10, 10),
    10: (15, 15),
    11: (15, 10),
    12: (15, 10),
    13: (10, 10),
    14: (15, 10),
    FINAL: (25, 30),  # the releases, drift, destroy; then the capstone (seven defects, a release)
}

# The agendas: a notebook number, or (label, minutes) for a break or a wrap-up.
Slot = int | tuple[str, int]
AGENDAS: dict[str, tuple[str, list[Slot]]] = {
    "half-day": (
        "09:00",
        [0, 1, 7, 2, ("Break", 15), 3, 6, 8,
         (f"{FINAL:02d} · The full pipeline (the capstone after the day)", ESTIMATES[FINAL][0]),
         ("Questions, what to do next", 10)],
    ),
    "full-day": (
        "09:00",
        [
            0, 1, 2, 3, ("Break", 15), 4, 5, 6, ("Lunch", 60), 7, 8, 9, 10,
            ("Break", 15), 11, 12, 13, 14, ("Break", 10), FINAL, ("Questions, what to do next", 15),
        ],
    ),
}


# --- the notebooks ---------------------------------------------------------------------------------


def notebook_path(n: int) -> Path:
    return scenarios.notebook(str(n)).path


def numbers() -> list[int]:
    return [nb.number for nb in scenarios.notebooks()]


def cells(n: int) -> list[dict[str, Any]]:
    return list(json.loads(notebook_path(n).read_text())["cells"])


def title(n: int) -> str:
    first = "".join(cells(n)[0]["source"]).splitlines()[0]
    return first.lstrip("# ").strip()


def objectives(n: int) -> list[str]:
    """The bullets under 'You will learn to' / 'You will' in the notebook's first markdown cell, or,
    in a notebook without them (00), the numbered steps it introduces."""
    text = "".join(cells(n)[0]["source"])
    m = re.search(r"\*\*You will(?: learn to)?\*\*\n((?:- .*\n?)+)", text)
    if m:
        return [line[2:].strip() for line in m.group(1).splitlines()]
    return [re.sub(r"^\d+\.\s*", "", ln).strip() for ln in text.splitlines() if re.match(r"\d+\.\s", ln)]


def requirement(n: int) -> str:
    text = "".join(cells(n)[0]["source"])
    m = re.search(r"\*\*The requirement, in two sentences\.\*\* (.*)", text)
    return m.group(1).strip() if m else ""


def tagged(n: int, *tags: str) -> list[str]:
    return [
        "".join(c["source"])
        for c in cells(n)
        if c["cell_type"] == "code" and set(tags) & set(c.get("metadata", {}).get("tags", []))
    ]


def starter(n: int) -> str:
    """The code of the notebook's `%%exercise N` cell, without the magic line."""
    (src,) = tagged(n, "exercise")
    first, _, body = src.partition("\n")
    assert first.strip() == f"%%exercise {n}", f"notebook {n:02d}: exercise cell starts with {first!r}"
    return body.rstrip("\n") + "\n"  # one final newline, so edits can anchor on whole lines


# --- running the checker at each stop -------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    label: str
    passed: bool
    message: str  # exactly what the notebook shows above the hint button: Grade.summary()
    checks: tuple[str, ...]  # the rule ids reported, or () when the code did not synthesize


def apply(source: str, stop: Stop, n: int) -> str:
    if stop.source is not None:
        return stop.source
    for old, new in stop.edits:
        if source.count(old) != 1:
            raise SystemExit(
                f"scripts/instructor_guide_stops.py: scenario {n}, stop {stop.label!r}: the text to "
                f"replace occurs {source.count(old)} times in the starter code (expected once): {old!r}"
            )
        source = source.replace(old, new)
    return source


def notebook_namespace(n: int) -> dict[str, Any]:
    """The namespace the exercise cell runs in: the notebook's setup and broken cells, run quietly."""
    import pitfalls.learner.exercise  # noqa: F401 (what `%load_ext pitfalls.learner.exercise` does first: the pinned Node)

    ns: dict[str, Any] = {"display": lambda *a, **k: None, "__name__": "__notebook__"}
    for src in tagged(n, "setup", "broken"):
        # IPython-only lines (magics) are for the live notebook (as in tests/conftest.py).
        lines = [ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile("\n".join(lines), f"{notebook_path(n).name}", "exec"), ns)  # noqa: S102
    return ns


def check_source(n: int, source: str, namespace: dict[str, Any]) -> Any:
    """Grade a cell's source as `%%exercise N` does (`run_cell`), without display."""
    from pitfalls.learner.exercise import Grade, _user_frame_error, get, grade

    ex = get(n)
    try:
        code = compile(source, f"<exercise {n}>", "exec")
    except SyntaxError as exc:
        return Grade(False, error=f"SyntaxError: {exc.msg} (line {exc.lineno} of your cell)")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, namespace)  # noqa: S102 (the course's own starter code and half-fixes)
    except Exception as exc:
        return Grade(False, error=_user_frame_error(exc))
    cls = namespace.get(ex.class_name)
    if not isinstance(cls, type):
        return Grade(False, error=f"define a class named {ex.class_name} in this cell")
    return grade(n, cls)


def has_exercise(n: int) -> bool:
    """Every scenario has an exercise; the final notebook has the capstone."""
    from pitfalls.learner.exercise import EXERCISES, get

    get(scenarios.numbers()[0])  # loads them all
    return n in EXERCISES


def outcomes(n: int) -> list[Outcome]:
    """The checker's message at the starter code and at each stop of scenario n."""
    base = notebook_namespace(n)
    code = starter(n)
    out = []
    for stop in (Stop("the starter code, as the notebook gives it", ()), *STOPS.get(n, ())):
        g = check_source(n, apply(code, stop, n), dict(base))
        checks = tuple(sorted({f.check for f in g.findings}))
        out.append(Outcome(stop.label, g.passed, g.summary(), checks))
    return out


# --- rendering ------------------------------------------------------------------------------------


def load_times() -> dict[str, Any]:
    return json.loads(TIMES.read_text()) if TIMES.exists() else {"notebooks": {}}


def minutes(n: int) -> int:
    reading, exercise = ESTIMATES[n]
    return reading + exercise


def render_objectives(n: int) -> str:
    stated = "**You will" in "".join(cells(n)[0]["source"])
    head = "Objectives" if stated else "What it introduces: the four steps of every scenario notebook"
    lines = [f"{head} (from the notebook's first cell):", ""]
    lines += [f"- {o}" for o in objectives(n)]
    if requirement(n):
        lines += ["", f"The requirement: {requirement(n)}"]
    return "\n".join(lines)


def render_time(n: int, times: dict[str, Any]) -> str:
    reading, exercise = ESTIMATES[n]
    measured = times["notebooks"].get(notebook_path(n).name)
    run = f"**{measured:.0f} s** to run top to bottom (measured)" if measured is not None else "not measured"
    parts = [f"{reading} min reading and discussion"] + ([f"{exercise} min exercise"] if exercise else [])
    return f"Time: {run}; {' + '.join(parts)} (estimated) = **{minutes(n)} min** in the agenda."


def render_mistakes(n: int, results: list[Outcome]) -> str:
    seen = Counter(c for r in results for c in r.checks)
    errors = [r for r in results if not r.checks and not r.passed]
    lines = [
        f"**What the checker reports**, at the starter code and at {len(results) - 1} typical "
        "half-fixes (generated by running them through the checker; not learner data):",
        "",
    ]
    if seen:
        lines.append("| rule the checker reports | at how many of these stops |")
        lines.append("|---|---|")
        ranked = sorted(seen.items(), key=lambda x: (-x[1], x[0]))
        lines += [f"| `{c}` | {k} of {len(results)} |" for c, k in ranked]
        lines.append("")
    if errors:
        lines += [f"{len(errors)} stop(s) do not synthesize at all; the learner sees the one-line error.", ""]
    for r in results:
        lines += [f"*{r.label}*", "", "```", r.message, "```", ""]
    return "\n".join(lines).rstrip()


def render_agenda(name: str, times: dict[str, Any]) -> str:
    start, slots = AGENDAS[name]
    h, m = map(int, start.split(":"))
    clock = h * 60 + m
    lines = ["| start | notebook | minutes |", "|---|---|---|"]
    for slot in slots:
        if isinstance(slot, int):
            label, length = f"{slot:02d} · {title(slot).split('·', 1)[-1].strip()}", minutes(slot)
        else:
            label, length = slot
        lines.append(f"| {clock // 60:02d}:{clock % 60:02d} | {label} | {length} |")
        clock += length
    total = clock - (h * 60 + m)
    lines.append(f"| {clock // 60:02d}:{clock % 60:02d} | end ({total // 60} h {total % 60:02d} min) | |")
    return "\n".join(lines)


def render_times_table(times: dict[str, Any]) -> str:
    lines = [
        "| notebook | run top to bottom (measured, s) | reading (estimated, min) "
        "| exercise (estimated, min) |",
        "|---|---|---|---|",
    ]
    total = 0.0
    for n in numbers():
        measured = times["notebooks"].get(notebook_path(n).name)
        total += measured or 0.0
        run = f"{measured:.0f}" if measured is not None else "not measured"
        reading, exercise = ESTIMATES[n]
        lines.append(f"| {notebook_path(n).stem} | {run} | {reading} | {exercise or '-'} |")
    machine = times.get("machine", "")
    lines += ["", f"All notebooks: {total:.0f} s of execution in total. Measured with "
              f"`python scripts/instructor_guide.py --measure` (nbclient, a fresh kernel per notebook) "
              f"on {machine or 'an unrecorded machine'}."]
    return "\n".join(lines)


def blocks(times: dict[str, Any]) -> dict[str, str]:
    out = {"times": render_times_table(times)}
    for name in AGENDAS:
        out[f"agenda-{name}"] = render_agenda(name, times)
    for n in numbers():
        out[f"objectives-{n:02d}"] = render_objectives(n)
        out[f"time-{n:02d}"] = render_time(n, times)
        if has_exercise(n):
            out[f"mistakes-{n:02d}"] = render_mistakes(n, outcomes(n))
    return out


BLOCK = re.compile(
    r"(<!-- generated:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)", re.S
)


def fill(text: str, generated: dict[str, str]) -> str:
    """Replace the body of every generated block in `text`; a block the guide lacks is an error."""
    found = {m.group("name") for m in BLOCK.finditer(text)}
    missing = sorted(set(generated) - found)
    if missing:
        raise SystemExit(f"{GUIDE.relative_to(ROOT)} lacks the generated block(s): {', '.join(missing)}")
    unknown = sorted(found - set(generated))
    if unknown:
        raise SystemExit(f"{GUIDE.relative_to(ROOT)} has unknown generated block(s): {', '.join(unknown)}")
    return BLOCK.sub(lambda m: m.group(1) + generated[m.group("name")] + "\n" + m.group(4), text)


def render(text: str | None = None) -> str:
    return fill(GUIDE.read_text() if text is None else text, blocks(load_times()))


# --- measuring ------------------------------------------------------------------------------------


def measure(paths: list[Path]) -> dict[str, float]:
    """Execute each notebook in a fresh kernel, in memory (the files are not rewritten); seconds each."""
    import nbformat
    from nbclient import NotebookClient

    out = {}
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        t0 = time.perf_counter()
        NotebookClient(
            nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
        out[path.name] = round(time.perf_counter() - t0, 1)
        print(f"{path.name:<45} {out[path.name]:6.1f} s", flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--measure", action="store_true", help="re-time every notebook first")
    args = parser.parse_args()
    if args.measure:
        times = load_times()
        times["notebooks"] = measure([notebook_path(n) for n in numbers()])
        times["machine"] = f"{os.cpu_count()} cores, Python {platform.python_version()}"
        TIMES.write_text(json.dumps(times, indent=2, sort_keys=True) + "\n")
    text = render()
    if args.check:
        if GUIDE.read_text() != text:
            print(f"{GUIDE.relative_to(ROOT)} is stale: run python scripts/instructor_guide.py",
                  file=sys.stderr)
            return 1
        return 0
    GUIDE.write_text(text)
    print(f"wrote {GUIDE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
