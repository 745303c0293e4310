"""Scenario 10: run small pieces of CDK code and say, in one line each, what goes wrong.

- `try_each(mistakes)`: run every snippet for real and keep the exception it raises, as one line
  (no jsii traceback, no local paths).
- `type_check(mistakes)`: the same snippets through mypy, before anything is synthesized, with its
  cache in `.pitfalls/mypy-cache` (aws-cdk-lib's type hints take mypy about a minute to read once;
  after that a check takes about a second). `start_type_checker()` does the first read in the
  background.
- `try_test(fn, ...)`: run a unit test function and say whether it passed, in one line.
- `v1_requirements(text)`: the CDK v1 packages in a requirements file.
- `run_pytest(path)`: run a test file with pytest in a subprocess and keep its summary line.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pitfalls._env import ROOT
from pitfalls.evidence.render import STYLE, styled_html

MYPY_CACHE = ROOT / ".pitfalls" / "mypy-cache"
# Flags of every run: the cache is only reused by runs with the same options.
MYPY_FLAGS = (
    "--no-error-summary",
    "--show-error-codes",
    "--no-color-output",
    "--no-pretty",
    "--hide-error-context",
    "--skip-cache-mtime-checks",
)
# What the snippets may use: the v2 imports, a stack to build in, and some function code.
PRELUDE = """\
import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

CODE = lambda_.Code.from_inline("exports.handler = async () => {};")
"""


def one_line(exc: BaseException) -> str:
    """`Type: message` in one line, without the JavaScript stack or local file paths."""
    from pitfalls.evidence.synth import short_error

    msg = re.sub(r" \((?:/|[A-Za-z]:\\)[^)]*\)", "", short_error(exc))
    msg = re.sub(r"^(?:AssertionError|Error): ", "", msg)
    kind = type(exc).__name__
    return f"{'jsii ' if kind == 'RuntimeError' else ''}{kind}: {msg}"


@dataclass
class Attempts:
    """Each snippet and the exception it raised (or that it ran)."""

    rows: list[tuple[str, str]] = field(default_factory=list)  # (label, outcome)

    def __repr__(self) -> str:
        w = max([len(label) for label, _ in self.rows] + [7])
        return "\n".join(f"{label.ljust(w)}  {outcome}" for label, outcome in self.rows)

    @styled_html
    def _repr_html_(self) -> str:
        import html

        body = "".join(
            f"<tr><td>{html.escape(label)}</td><td class='{'pp-ok' if o.startswith('ran') else 'pp-error'}'>"
            f"<code>{html.escape(o)}</code></td></tr>"
            for label, o in self.rows
        )
        return f"{STYLE}<table class='pp-t'><tr><th>mistake</th><th>what Python says</th></tr>{body}</table>"


def fresh_stack(name: str = "Test") -> Any:
    """A stack in a new app with the course's quiet synth settings (no validation on stderr)."""
    import aws_cdk as cdk

    from pitfalls.evidence.synth import SYNTH_CONTEXT

    app = cdk.App(context=SYNTH_CONTEXT, analytics_reporting=False)
    return cdk.Stack(app, name)


def try_each(mistakes: Mapping[str, str], prelude: str = PRELUDE) -> Attempts:
    """Run each snippet with `prelude` and a fresh `stack`; keep the first exception, one line."""
    out = Attempts()
    for label, source in mistakes.items():
        ns: dict[str, Any] = {"__name__": "__snippet__"}
        try:
            exec(compile(prelude, "<prelude>", "exec"), ns)  # noqa: S102 (course snippets)
            ns["stack"] = fresh_stack()
            exec(compile(source, f"<{label}>", "exec"), ns)  # noqa: S102
        except Exception as exc:  # every mistake surfaces as some exception: that is the point
            out.rows.append((label, one_line(exc)))
        else:
            out.rows.append((label, "ran without an error"))
    return out


# --- mypy ---------------------------------------------------------------------------------------


def _module(mistakes: Mapping[str, str], prelude: str) -> tuple[str, list[tuple[int, int, str]]]:
    """One module with a typed function per snippet, and each function's line range and label."""
    lines = prelude.rstrip("\n").splitlines() + [""]
    spans = []
    for n, (label, source) in enumerate(mistakes.items(), 1):
        lines += ["", f"def mistake_{n}(stack: cdk.Stack) -> None:"]
        start = len(lines) + 1
        lines += textwrap.indent(source.strip("\n"), "    ").splitlines()
        spans.append((start, len(lines), label))
    return "\n".join(lines) + "\n", spans


def _run_mypy(path: Path) -> tuple[list[str], float]:
    MYPY_CACHE.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "mypy", *MYPY_FLAGS, "--cache-dir", str(MYPY_CACHE), path.name],
        cwd=path.parent,  # no project config: the same options in every run
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t0
    if r.returncode not in (0, 1) or "No module named mypy" in r.stderr:
        raise RuntimeError(
            (r.stderr.strip().splitlines() or ["mypy failed"])[-1]
            + " (mypy is a test dependency: make setup installs it)"
        )
    return [ln for ln in r.stdout.splitlines() if ": error: " in ln], elapsed


class _Warmup:
    """mypy's first read of aws-cdk-lib, run once per kernel, in a thread."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.seconds: float | None = None

    def start(self, prelude: str) -> None:
        if self.thread is not None:
            return

        def run() -> None:
            with tempfile.TemporaryDirectory(prefix="pitfalls-mypy-") as d:
                path = Path(d) / "warmup.py"
                path.write_text(prelude)
                try:
                    self.seconds = _run_mypy(path)[1]
                except RuntimeError:
                    self.seconds = None  # type_check() will say why, in one line

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def wait(self, prelude: str) -> float | None:
        self.start(prelude)
        assert self.thread is not None
        self.thread.join()
        return self.seconds


_WARMUP = _Warmup()


def start_type_checker(prelude: str = PRELUDE) -> None:
    """Let mypy read aws-cdk-lib's type hints in the background (about a minute, once)."""
    _WARMUP.start(prelude)


@dataclass
class TypeCheck:
    """mypy's verdict on each snippet, and how long the check took with a warm cache."""

    rows: list[tuple[str, str]]  # (label, first mypy error or "")
    seconds: float
    warmup_seconds: float | None

    @property
    def caught(self) -> int:
        return sum(1 for _, e in self.rows if e)

    def __repr__(self) -> str:
        w = max([len(label) for label, _ in self.rows] + [7])
        lines = [f"{label.ljust(w)}  {e or '(not caught: only running the code finds it)'}"
                 for label, e in self.rows]
        lines.append(
            f"mypy caught {self.caught} of {len(self.rows)} before any synth, "
            f"in {self.seconds:.1f} s with a warm cache"
            + (f" (cache warm-up run: {self.warmup_seconds:.1f} s)"
               if self.warmup_seconds is not None else "")
        )
        return "\n".join(lines)

    @styled_html
    def _repr_html_(self) -> str:
        import html

        body = "".join(
            f"<tr><td>{html.escape(label)}</td><td class='{'pp-ok' if e else 'pp-warning'}'>"
            f"<code>{html.escape(e or '(not caught: only running the code finds it)')}</code></td></tr>"
            for label, e in self.rows
        )
        tail = html.escape(repr(self).splitlines()[-1])
        return (
            f"{STYLE}<table class='pp-t'><tr><th>mistake</th><th>mypy, before any synth</th></tr>"
            f"{body}</table><div>{tail}</div>"
        )


def type_check(mistakes: Mapping[str, str], prelude: str = PRELUDE) -> TypeCheck:
    """Type-check each snippet (as a typed function) with mypy; one line per snippet."""
    warmup = _WARMUP.wait(prelude)
    source, spans = _module(mistakes, prelude)
    with tempfile.TemporaryDirectory(prefix="pitfalls-mypy-") as d:
        path = Path(d) / "hurried_app.py"
        path.write_text(source)
        errors, seconds = _run_mypy(path)
    found: dict[str, str] = {}
    for err in errors:
        m = re.match(r"[^:]+:(\d+): error: (.*)$", err)
        if not m:
            continue
        line = int(m.group(1))
        for start, end, label in spans:
            if start <= line <= end:
                found.setdefault(label, m.group(2).strip())
    return TypeCheck([(label, found.get(label, "")) for _, _, label in spans], seconds, warmup)


# --- unit tests and requirements ----------------------------------------------------------------


def try_test(fn: Callable[..., Any], *args: Any) -> str:
    """Run a test function: '✔ name passed' or '✘ name failed: <first line of the assertion>'."""
    name = getattr(fn, "__name__", "test")
    try:
        fn(*args)
    except Exception as exc:  # AssertionError from Python or (via jsii) from aws_cdk.assertions
        return f"✘ {name} failed: {one_line(exc).removeprefix('jsii RuntimeError: ')}"
    return f"✔ {name} passed"


# CDK v1 shipped one PyPI package per service (aws-cdk.core, aws-cdk.aws-s3, ...); v2 is the
# single aws-cdk-lib plus constructs (CDK v2 Developer Guide, "Migrating from AWS CDK v1"). v2
# still has aws-cdk.* packages of its own: experimental modules (-alpha) and the assets and schema
# aws-cdk-lib depends on, which a `pip freeze` lists; those are fine unless pinned to 1.x.
_CDK_PACKAGE = re.compile(r"^\s*aws[-_.]cdk[-_.]([a-z0-9_.-]+?)\s*(?:[<>=!~;\[].*)?$")


def v1_requirements(text: str) -> list[str]:
    """The lines of a requirements file that install a CDK v1 package, with what to do instead."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        spec = line.split("#", 1)[0].strip().lower()
        m = _CDK_PACKAGE.match(spec)
        if not m or m.group(1) == "lib" or m.group(1).endswith("-alpha"):
            continue
        name = m.group(1).replace("_", "-").replace(".", "-")
        if name == "core" or name.startswith("aws-") or re.search(r"==\s*1\.", spec):
            out.append(
                f"line {n}: {line.strip()}: a CDK v1 package (v1 support ended 2023-06-01); "
                "v2 needs only aws-cdk-lib and constructs"
            )
    return out


def run_pytest(path: Path | str) -> str:
    """Run one test file with pytest in a fresh interpreter; its closing summary line."""
    target = Path(path)
    if not target.is_absolute():
        target = ROOT / target
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    lines = [ln.strip("= ").strip() for ln in r.stdout.splitlines() if ln.strip()]
    summary = next((ln for ln in reversed(lines) if " passed" in ln or " failed" in ln), "")
    return summary or f"pytest exited with {r.returncode}: {(lines or ['no output'])[-1]}"


# --- the shape of the code ----------------------------------------------------------------------


@dataclass
class Outline:
    """What each construct directly under a scope made: resource count and concerns."""

    title: str
    rows: list[tuple[str, int, str]]  # (construct id, resources, concerns)

    def __repr__(self) -> str:
        w = max([len(r[0]) for r in self.rows] + [9])
        lines = [self.title] + [
            f"  {cid.ljust(w)}  {n:>3} resource{'s' if n != 1 else ' '}  {concerns}".rstrip()
            for cid, n, concerns in self.rows
        ]
        return "\n".join(lines)

    @styled_html
    def _repr_html_(self) -> str:
        import html

        return f"{STYLE}<pre class='pp-pre'>{html.escape(repr(self))}</pre>"


def outline(result: Any, scope: str, cls: type | None = None) -> Outline:
    """The constructs directly under `scope` in a synthesized stack (from aws:cdk:path)."""
    import inspect

    from pitfalls.checks.s10_cdk_code_errors import concern_of

    made: dict[str, list[str]] = {}
    for body in result.template.get("Resources", {}).values():
        path = (body.get("Metadata") or {}).get("aws:cdk:path", "")
        if path.startswith(scope + "/"):
            child = path[len(scope) + 1 :].split("/", 1)[0]
            made.setdefault(child, []).append(concern_of(str(body.get("Type", ""))) or "")
    rows = [(cid, len(cs), ", ".join(sorted({c for c in cs if c}))) for cid, cs in made.items()]
    title = f"{scope}: {len(rows)} constructs directly under it"
    if cls is not None:
        lines = len(inspect.getsource(cls).splitlines())
        title = f"{cls.__name__} ({lines} lines). " + title
    return Outline(title, rows)


def show_test(path: Path | str, name: str) -> Any:
    """One test function's source from a test file, shown the way `show_code` shows a class."""
    import ast

    from pitfalls.evidence.show import Code

    class TestSource(Code):
        def __init__(self, where: str, source: str) -> None:  # source text, not an object
            self.obj, self.where, self.source = None, where, source

    target = Path(path) if Path(path).is_absolute() else ROOT / path
    text = target.read_text()
    node = next(
        n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == name
    )
    return TestSource(str(target.relative_to(ROOT)), ast.get_source_segment(text, node) or "")
