"""Exercises: the learner writes a construct, we synthesize it in a harness and grade it.

A learner's mistake (syntax error, wrong keyword, wrong construct, a CDK validation error) comes
back as one short line, never a jsii traceback, and never kills the kernel. Hints come in tiers:
the CloudFormation property, then the CDK prop, then the reference solution from `solutions/`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pitfalls.checks.findings import Finding
from pitfalls.evidence.render import styled, styled_html

if TYPE_CHECKING:
    from pitfalls.evidence.synth import SynthResult


@dataclass(frozen=True)
class Exercise:
    scenario: int
    class_name: str  # the class the learner defines
    task: str  # one sentence: what to write
    harness: Callable[[Any, type], None]  # puts the learner's class into a stack
    hints: tuple[str, str]  # (CloudFormation property, CDK prop)
    solution: str  # "module:Class" of the reference in solutions/
    tool_rules: tuple[str, ...] = ()  # cdk-nag / cfn-lint rule ids that must also be clean
    # Checks of other scenarios that the learner's construct is answerable for in its harness.
    related_checks: tuple[str, ...] = ()
    starter: str = ""  # the cell's code as shipped (below %%exercise): graded, never recorded

    def solution_class(self) -> type:
        module, name = self.solution.split(":")
        return getattr(importlib.import_module(module), name)

    def solution_source(self) -> str:
        return inspect.getsource(self.solution_class())

    def solution_cell(self) -> str:
        """The whole exercise cell with the reference answer: `%%exercise N`, the imports and
        helpers the class needs (so it passes when pasted, even before the setup cell), the class."""
        return f"%%exercise {self.scenario}\n" + pasteable(self.solution_class())

    def is_starter(self, source: str) -> bool:
        return bool(self.starter) and _normal(source) == _normal(self.starter)


@dataclass
class Grade:
    passed: bool
    findings: list[Finding] = field(default_factory=list)
    error: str = ""  # set when the code did not even synthesize

    def summary(self) -> str:
        if self.error:
            return f"✘ Your code did not synthesize: {self.error}"
        if self.passed:
            return "✔ All checks pass. Well done."
        lines = [f"✘ Not yet: {len(self.findings)} finding(s) left."]
        lines += [f"  - {line}" for line in self.finding_lines()]
        return "\n".join(lines)

    def finding_lines(self) -> list[str]:
        """One line per finding of the course's checks first (what the exercise teaches), then the
        tools' findings, one line per rule, resource and message (cdk-nag's IAM5 says the same
        thing once per wildcard: the wildcards are listed, not the sentence nine times)."""
        ours = [f for f in self.findings if f.tool == "pitfalls"]
        grouped: dict[tuple[str, str, str], list[str]] = {}
        for f in self.findings:
            if f.tool != "pitfalls":
                rule, _, detail = f.check.partition("[")
                grouped.setdefault((rule, f.resource, f.message), []).append(detail.rstrip("]"))
        lines = [f"{f.check} on {f.resource or 'the stack'}: {f.message}" for f in ours]
        for (rule, resource, message), details in grouped.items():
            which = ", ".join(d for d in details if d)
            lines.append(f"{rule} on {resource or 'the stack'}: {message}" + (f" ({which})" if which else ""))
        return lines

    def failure_lines(self) -> list[str]:
        """The one-line messages of a failed grade: the error, or one line per finding left."""
        if self.error:
            return [self.error]
        return [f"{f.check}: {f.message}" for f in self.findings]


EXERCISES: dict[int, Exercise] = {}


def _normal(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _bound_names(stmt: ast.stmt) -> list[str]:
    """The names a module-level statement binds (imports, defs, assignments)."""
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names]
    if isinstance(stmt, ast.FunctionDef | ast.ClassDef):
        return [stmt.name]
    targets = stmt.targets if isinstance(stmt, ast.Assign) else (
        [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def pasteable(cls: type) -> str:
    """`cls`'s source preceded by what it needs from its module: the module's own import lines
    (only the names used) and `from <module> import <helper>` for the module's helpers."""
    module = sys.modules[cls.__module__]
    tree = ast.parse(inspect.getsource(module))
    body = list(tree.body)
    for stmt in tree.body:  # imports under `if TYPE_CHECKING:` name what annotations use
        if isinstance(stmt, ast.If):
            body += [s for s in stmt.body if isinstance(s, ast.Import | ast.ImportFrom)]
    cls_src = inspect.getsource(cls)
    used = {n.id for n in ast.walk(ast.parse(cls_src)) if isinstance(n, ast.Name)}
    imports: list[str] = []
    helpers: list[str] = []
    for stmt in body:
        names = [n for n in _bound_names(stmt) if n in used and n != cls.__name__]
        if not names:
            continue
        if isinstance(stmt, ast.ImportFrom) and stmt.module != "__future__":
            kept = [a for a in stmt.names if (a.asname or a.name) in names]
            imports.append(ast.unparse(ast.ImportFrom(stmt.module, kept, stmt.level)))
        elif isinstance(stmt, ast.Import):
            kept = [a for a in stmt.names if (a.asname or a.name).split(".")[0] in names]
            imports.append(ast.unparse(ast.Import(kept)))
        else:
            helpers += names
        used -= set(names)
    if helpers:
        imports.append(f"from {cls.__module__} import {', '.join(helpers)}")
    return "\n".join(dict.fromkeys(imports)) + "\n\n\n" + cls_src


def register(ex: Exercise) -> Exercise:
    EXERCISES[ex.scenario] = ex
    return ex


def _user_frame_error(exc: BaseException) -> str:
    """The learner-facing line for an exception raised while building their construct."""
    from pitfalls.evidence.synth import short_error

    msg = short_error(exc)
    # Point at the learner's own line when the error came from code defined in a notebook cell.
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "<exercise" in f.filename]
    where = f" (line {frames[-1].lineno} of your cell)" if frames else ""
    return f"{type(exc).__name__}: {msg}{where}" if not isinstance(exc, RuntimeError) else msg + where


def synth_in_harness(scenario: int, cls: type, *, nag: bool = True) -> SynthResult:
    """Synthesize `cls` inside the scenario's harness (the stack the exercise grades it in)."""
    from pitfalls.evidence.synth import synth

    ex = get(scenario)
    return synth(lambda stack: ex.harness(stack, cls), stack_name="Exercise", nag=nag)


def grade(scenario: int, cls: type) -> Grade:
    """Synthesize `cls` in the scenario's harness and report what is still wrong."""
    from pitfalls.evidence.synth import SynthError, synth

    ex = get(scenario)
    captured: list[BaseException] = []

    def build(stack: Any) -> None:
        try:
            ex.harness(stack, cls)
        except Exception as exc:  # the learner's code raised: keep it to report it well
            captured.append(exc)
            raise

    try:
        result = synth(build, stack_name="Exercise")
    except SynthError as exc:
        return Grade(False, error=_user_frame_error(captured[0]) if captured else str(exc))
    found = [
        f
        for f in result.findings
        if (f.scenario == scenario and (f.tool == "pitfalls" or _base(f.check) in ex.tool_rules))
        or f.check in ex.related_checks
    ]
    return Grade(not found, found)


def _base(rule: str) -> str:
    return rule.split("[", 1)[0]


def get(scenario: int) -> Exercise:
    _load()
    if scenario not in EXERCISES:
        raise KeyError(f"no exercise for scenario {scenario}")
    return EXERCISES[scenario]


def _load() -> None:
    importlib.import_module("pitfalls.learner.exercises")


# --- the notebook side -------------------------------------------------------------------------


class Feedback:
    """The grade, shown as text and HTML, with the tiered hints below it."""

    def __init__(self, ex: Exercise, g: Grade, note: str = "") -> None:
        self.ex, self.grade, self.note = ex, g, note

    def hints(self) -> list[tuple[str, str]]:
        """(title, text) of each hint tier; the last is the whole cell with the solution."""
        where = self.ex.solution.split(":")[0].replace(".", "/") + ".py"
        return [
            ("Hint 1 (CloudFormation)", self.ex.hints[0]),
            ("Hint 2 (CDK)", self.ex.hints[1]),
            (f"Solution (from {where}): paste it over the whole cell, %%exercise line included, "
             "and run it", self.ex.solution_cell()),
        ]

    def text(self) -> str:
        return self.grade.summary() + (f"\n{self.note}" if self.note else "")

    def __repr__(self) -> str:
        text = self.text()
        if not self.grade.passed:
            n = self.ex.scenario
            text += (f"\nHints: `from pitfalls.notebook import hint`, then `hint({n}, 1)` "
                     "(1, 2 or 3 for the solution).")
        return text

    @styled_html
    def _repr_html_(self) -> str:
        import html

        cls = "pp-ok" if self.grade.passed else "pp-error"
        note = f"<div class='pp-info'>{html.escape(self.note)}</div>" if self.note else ""
        return f"<div class='{cls} pp-wrap'>{html.escape(self.grade.summary())}</div>{note}"


def hint(scenario: int, level: int) -> str:
    """Hint `level` (1, 2, or 3 for the solution) of a scenario's exercise, as plain text."""
    title, body = Feedback(get(scenario), Grade(False)).hints()[max(1, min(level, 3)) - 1]
    text = f"{title}:\n{body}"
    print(text)
    return text


def _hints_html(tiers: list[tuple[str, str]], shown: int) -> str:
    import html

    return styled("".join(
        f"<div class='pp-h'>{html.escape(title)}</div><div class='pp-wrap'>{html.escape(body)}</div>"
        for title, body in tiers[:shown]
    ))


class HintArea:
    """The hint area under a failed grade: a button that reveals the next tier each time.

    Its display carries an HTML form too: JupyterLab shows that, not the widget, for outputs it has
    not seen run (a committed notebook as opened), so the learner reads what the area offers
    instead of the widget's raw repr; once the cell runs, the live widget replaces it.
    """

    def __init__(self, ex: Exercise, g: Grade) -> None:
        import ipywidgets as widgets

        self.tiers = Feedback(ex, g).hints()
        self.shown = 0
        self.out = widgets.HTML(value="")
        self.button = widgets.Button(description="Show hint 1 of 3", layout=widgets.Layout(width="auto"))
        self.button.on_click(lambda _: self.reveal())
        self.box = widgets.VBox([self.button, self.out])
        self.scenario = ex.scenario

    def reveal(self) -> None:
        n = self.shown = min(self.shown + 1, len(self.tiers))
        self.out.value = _hints_html(self.tiers, n)
        self.button.description = f"Show hint {n + 1} of 3" if n < len(self.tiers) else "All hints shown"
        self.button.disabled = n >= len(self.tiers)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        import html

        bundle = dict(self.box._repr_mimebundle_(**kwargs) or {})
        n = self.scenario
        bundle["text/plain"] = (f"Hints: run this cell for the hint button, or "
                                f"`from pitfalls.notebook import hint`, then `hint({n}, 1)`.")
        bundle["text/html"] = styled(
            "<div class='pp-info'>Three hints, one at a time: run this cell and a "
            "<b>Show hint 1 of 3</b> button appears here (or run "
            f"<code>{html.escape(f'from pitfalls.notebook import hint; hint({n}, 1)')}</code>)."
            "</div>"
        )
        return bundle


def hint_buttons(ex: Exercise, g: Grade) -> HintArea:
    return HintArea(ex, g)


_MAGIC_LINE = re.compile(r"\s*%%exercise\b[^\n]*(\n|$)")


def run_cell(scenario: int, source: str, namespace: dict[str, Any], *, first_line: int = 1) -> Grade:
    """Execute an exercise cell's code in the notebook namespace and grade the class it defines.

    `first_line` is the editor's number of the code's first line (2 under `%%exercise N`), so
    errors name the line the learner sees.
    """
    from IPython.display import display

    ex = get(scenario)
    # A pasted solution brings its own `%%exercise N` line: keep it as a blank line.
    m = _MAGIC_LINE.match(source)
    if m:
        source = "\n" + source[m.end():]
    filename = f"<exercise {scenario}>"
    offset = "\n" * (first_line - 1)
    try:
        code = compile(offset + source, filename, "exec")
    except SyntaxError as exc:
        g = Grade(False, error=f"SyntaxError: {exc.msg} (line {exc.lineno} of your cell)")
    else:
        try:
            exec(code, namespace)  # noqa: S102 (the learner's own cell)
        except Exception as exc:
            g = Grade(False, error=_user_frame_error(exc) + _setup_hint(exc))
        else:
            cls = namespace.get(ex.class_name)
            if not isinstance(cls, type):
                g = Grade(False, error=f"define a class named {ex.class_name} in this cell")
            else:
                g = grade(scenario, cls)
    starter = ex.is_starter(source)
    note = ("This is the starter code as shipped: change it, then run the cell (not counted as "
            "an attempt)." if starter and not g.passed else "")
    display(Feedback(ex, g, note))
    if not starter:
        record_grade(scenario, g)  # never raises: a progress problem must not hide the grade
    if not g.passed:
        try:
            display(hint_buttons(ex, g))
        except ImportError:  # no ipywidgets: the text hint() still works
            pass
    return g


def _setup_hint(exc: Exception) -> str:
    if isinstance(exc, NameError):
        return (": run the notebook's setup cell (the imports near the top) first, or import it "
                "in this cell")
    return ""


def record_grade(scenario: int, g: Grade) -> None:
    """Record a grade in the learner's progress file. Never raises: a problem is one line on stderr."""
    from pitfalls.learner import progress

    try:
        notes = progress.record(scenario, g.passed, g.failure_lines())
    except progress.ProgressError as exc:
        notes = [f"{exc} (your answer was graded; only the progress record is missing)"]
    except Exception as exc:  # recording must never break grading, whatever went wrong
        notes = [f"cannot record progress: {type(exc).__name__}: {exc}"]
    for note in notes:
        print(f"Progress: {note}", file=sys.stderr)


def _class_names() -> dict[str, int]:
    _load()
    return {ex.class_name: n for n, ex in EXERCISES.items()}


def ungraded_exercise(cell: str) -> str:
    """The warning for a cell that defines an exercise's class without `%%exercise N` (pasted
    over, deleted): it ran as plain Python and nothing graded it. "" for any other cell."""
    if cell.lstrip().startswith("%"):
        return ""
    try:
        tree = ast.parse(cell)
    except SyntaxError:
        return ""
    names = _class_names()
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in names:
            n = names[node.name]
            return (f"Not graded: this cell defines {node.name} without the `%%exercise {n}` line. "
                    f"Put `%%exercise {n}` back as the cell's first line and run it again.")
    return ""


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext pitfalls.learner.exercise` registers the `%%exercise N` cell magic, and a
    warning for an exercise cell that lost its magic line. The course's kernels load it at start
    (scripts/setup.py and postBuild write the kernel configuration), so the magic is there even
    before the notebook's setup cell runs."""

    def exercise(line: str, cell: str) -> None:
        m = re.match(r"\s*(\d+)\s*$", line)
        if not m:
            print("usage: %%exercise N   (N = scenario number)")
            return
        run_cell(int(m.group(1)), cell, ipython.user_ns, first_line=2)

    ipython.register_magic_function(exercise, magic_kind="cell", magic_name="exercise")

    def warn_ungraded(result: Any) -> None:
        warning = ungraded_exercise(getattr(result.info, "raw_cell", "") or "")
        if warning:
            print(warning, file=sys.stderr)

    # Registered once, however often the extension is loaded (the setup cell loads it again).
    callbacks = ipython.events.callbacks["post_run_cell"]
    if not any(getattr(cb, "__name__", "") == "warn_ungraded" for cb in callbacks):
        ipython.events.register("post_run_cell", warn_ungraded)
