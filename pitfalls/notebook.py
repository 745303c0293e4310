"""What the notebooks call: show code from solutions/, show evidence, compare broken and fixed."""

from __future__ import annotations

import html
import inspect
from collections.abc import Sequence
from typing import Any

from pitfalls.render import (
    STYLE,
    Excerpt,
    FindingsTable,
    Group,
    SideBySide,
    flagged_ids,
)
from pitfalls.synth import SynthResult


class Code:
    """Source code shown in a notebook: the object's real source, so what is shown is what runs."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.source = inspect.getsource(obj).rstrip()
        module = inspect.getmodule(obj)
        self.where = (module.__name__.replace(".", "/") + ".py") if module else ""

    def __repr__(self) -> str:
        return f"# {self.where}\n{self.source}"

    def _repr_html_(self) -> str:
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer

            body = highlight(self.source, PythonLexer(), HtmlFormatter(noclasses=True, nowrap=True))
        except ImportError:
            body = html.escape(self.source)
        return (
            f"{STYLE}<div class='pp-h'>{html.escape(self.where)}</div>"
            f"<pre class='pp-pre'>{body}</pre>"
        )


def show_code(obj: Any) -> Code:
    return Code(obj)


def evidence(
    result: SynthResult, scenario: int, props: Sequence[str] = (), title: str = ""
) -> Group:
    """The flagged resources of one scenario and the findings about them."""
    found = result.findings_for(scenario)
    ids = flagged_ids(found)
    parts: list[Any] = []
    if ids:
        parts.append(Excerpt(result.template, ids, title="Template excerpt", props=props))
    parts.append(FindingsTable(found, title=title or f"Findings for scenario {scenario}"))
    return Group(*parts)


def compare(
    broken: SynthResult, fixed: SynthResult, scenario: int, props: Sequence[str] = ()
) -> SideBySide:
    """Side by side: the resources flagged in `broken`, as they are in `broken` and in `fixed`."""
    return SideBySide(
        broken.template, fixed.template, flagged_ids(broken.findings_for(scenario)), props=props
    )


class StageFlow:
    """A pipeline's stages in one line each: actions, their category and provider, artifacts."""

    def __init__(self, result: SynthResult) -> None:
        from pitfalls.checks.s01_incomplete_pipeline_stages import pipeline_actions

        lines = []
        for lid, body in result.resources("AWS::CodePipeline::Pipeline").items():
            lines.append(f"{lid}:")
            by_stage: dict[str, list[str]] = {}
            for a in pipeline_actions(body.get("Properties") or {}):
                io = ""
                if a.inputs:
                    io += " <- " + ", ".join(a.inputs)
                if a.outputs:
                    io += " -> " + ", ".join(a.outputs)
                by_stage.setdefault(a.stage, []).append(f"{a.name} ({a.category}/{a.provider}){io}")
            for n, (stage, acts) in enumerate(by_stage.items(), 1):
                lines.append(f"  {n}. {stage}: " + "; ".join(acts))
        self.text = "\n".join(lines) or "(no pipeline)"

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"{STYLE}<pre class='pp-pre'>{html.escape(self.text)}</pre>"


def stage_flow(result: SynthResult) -> StageFlow:
    return StageFlow(result)
