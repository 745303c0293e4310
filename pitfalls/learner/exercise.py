"""Exercises: the learner writes a construct, we synthesize it in a harness and grade it.

A learner's mistake (syntax error, wrong keyword, wrong construct, a CDK validation error) comes
back as one short line, never a jsii traceback, and never kills the kernel. Hints come in tiers:
the CloudFormation property, then the CDK prop, then the reference solution from `solutions/`.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pitfalls.checks.findings import Finding
from pitfalls.evidence.render import styled_html

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

    def solution_class(self) -> type:
        module, name = self.solution.split(":")
        return getattr(importlib.import_module(module), name)

    def solution_source(self) -> str:
        return inspect.getsource(self.solution_class())


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
        lines += [f"  - {f.check} on {f.resource or 'the stack'}: {f.message}" for f in self.findings]
        return "\n".join(lines)

    def failure_lines(self) -> list[str]:
        """The one-line messages of a failed grade: the error, or one line per finding left."""
        if self.error:
            return [self.error]
        return [f"{f.check}: {f.message}" for f in self.findings]


EXERCISES: dict[int, Exercise] = {}


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

    def __init__(self, ex: Exercise, g: Grade) -> None:
        self.ex, self.grade = ex, g

    def hints(self) -> list[str]:
        return [
            f"Hint 1 (CloudFormation): {self.ex.hints[0]}",
            f"Hint 2 (CDK): {self.ex.hints[1]}",
            "Solution (from " + self.ex.solution.split(":")[0].replace(".", "/") + ".py):\n"
            + self.ex.solution_source(),
        ]

    def __repr__(self) -> str:
        text = self.grade.summary()
        if not self.grade.passed:
            n = self.ex.scenario
            text += (f"\nHints: `from pitfalls.notebook import hint`, then `hint({n}, 1)` "
                     "(1, 2 or 3 for the solution).")
        return text

    @styled_html
    def _repr_html_(self) -> str:
        import html

        cls = "pp-ok" if self.grade.passed else "pp-error"
        return (
            f"<pre class='{cls}' style='white-space:pre-wrap'>"
            f"{html.escape(self.grade.summary())}</pre>"
        )


def hint(scenario: int, level: int) -> str:
    """Hint `level` (1, 2, or 3 for the solution) of a scenario's exercise, as plain text."""
    ex = get(scenario)
    hints = Feedback(ex, Grade(False)).hints()
    text = hints[max(1, min(level, 3)) - 1]
    print(text)
    return text


def hint_buttons(ex: Exercise, g: Grade) -> Any:
    """ipywidgets: one button that reveals the next hint each time it is pressed."""
    import ipywidgets as widgets

    fb = Feedback(ex, g)
    tiers = fb.hints()
    out = widgets.HTML(value="")
    button = widgets.Button(description="Show hint 1 of 3", layout=widgets.Layout(width="auto"))
    shown = {"n": 0}

    def reveal(_: Any) -> None:
        import html

        n = shown["n"] = min(shown["n"] + 1, len(tiers))
        out.value = "".join(
            f"<pre style='white-space:pre-wrap;font-size:12px'>{html.escape(t)}</pre>"
            for t in tiers[:n]
        )
        button.description = f"Show hint {n + 1} of 3" if n < len(tiers) else "All hints shown"
        button.disabled = n >= len(tiers)

    button.on_click(reveal)
    return widgets.VBox([button, out])


def run_cell(scenario: int, source: str, namespace: dict[str, Any]) -> Grade:
    """Execute an exercise cell's code in the notebook namespace and grade the class it defines."""
    from IPython.display import display

    ex = get(scenario)
    filename = f"<exercise {scenario}>"
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as exc:
        g = Grade(False, error=f"SyntaxError: {exc.msg} (line {exc.lineno} of your cell)")
    else:
        try:
            exec(code, namespace)  # noqa: S102 (the learner's own cell)
        except Exception as exc:
            g = Grade(False, error=_user_frame_error(exc))
        else:
            cls = namespace.get(ex.class_name)
            if not isinstance(cls, type):
                g = Grade(False, error=f"define a class named {ex.class_name} in this cell")
            else:
                g = grade(scenario, cls)
    display(Feedback(ex, g))
    record_grade(scenario, g)  # never raises: a progress problem must not hide the grade
    if not g.passed:
        try:
            display(hint_buttons(ex, g))
        except ImportError:  # no ipywidgets: the text hint() still works
            pass
    return g


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


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext pitfalls.learner.exercise` registers the `%%exercise N` cell magic."""
    from IPython.core.magic import register_cell_magic

    @register_cell_magic
    def exercise(line: str, cell: str) -> None:
        m = re.match(r"\s*(\d+)\s*$", line)
        if not m:
            print("usage: %%exercise N   (N = scenario number)")
            return
        run_cell(int(m.group(1)), cell, ipython.user_ns)
