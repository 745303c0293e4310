"""What the notebooks call: show code from solutions/, show evidence, compare broken and fixed."""

from __future__ import annotations

import html
import inspect
import re
from collections.abc import Sequence
from typing import Any

from pitfalls.evidence.render import (
    STYLE,
    AcknowledgedTable,
    Excerpt,
    FindingsTable,
    Group,
    SideBySide,
    Table,
    flagged_ids,
    styled_html,
    without_colour,
)
from pitfalls.evidence.synth import SynthResult


class Code:
    """Source code shown in a notebook: the object's real source, so what is shown is what runs."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.source = inspect.getsource(obj).rstrip()
        module = inspect.getmodule(obj)
        self.where = (module.__name__.replace(".", "/") + ".py") if module else ""

    def __repr__(self) -> str:
        return f"# {self.where}\n{self.source}"

    @styled_html
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
    result: SynthResult, scenario: int, props: Sequence[str] = (), title: str = "",
    also: Sequence[str] = (),
) -> Group:
    """The flagged resources of one scenario and the findings about them; `also` names checks of
    other scenarios whose findings belong here too (those the scenario's exercise answers for)."""
    found = [f for f in result.findings if f.scenario == scenario or f.check in also]
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
        from pitfalls.templates import pipeline_actions

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

    @styled_html
    def _repr_html_(self) -> str:
        return f"{STYLE}<pre class='pp-pre'>{html.escape(self.text)}</pre>"


def stage_flow(result: SynthResult) -> StageFlow:
    return StageFlow(result)


def acknowledged(
    result: SynthResult, scenario: int | None = None, *, prefix: str = "", title: str = ""
) -> AcknowledgedTable:
    """The findings the app acknowledged (CDK's report keeps them with their reasons), for one
    scenario and, with `prefix`, only on resources whose logical id starts with it."""
    found = [
        f for f in result.suppressed
        if (scenario is None or f.scenario == scenario) and f.resource.startswith(prefix)
    ]
    return AcknowledgedTable(found, title=title or "Acknowledged in the validation report")


def physical_names(*results: SynthResult) -> Table:
    """The physical names each stack gives its nameable resources, one column per stack."""
    from pitfalls.checks.s03_hardcoded_environment import NAME_PROPS
    from pitfalls.checks.s03_hardcoded_environment import physical_names as names_of
    from pitfalls.templates import Template

    per_stack = [names_of(Template(r.template, r.stack)) for r in results]
    types: dict[str, str] = {}
    for r in results:
        for lid, body in r.resources(*NAME_PROPS).items():
            types.setdefault(lid, body.get("Type", ""))
    rows = []
    for lid in sorted(types):
        cells = []
        for names in per_stack:
            value = names.get(lid)
            if value is None:
                cells.append("(generated by CloudFormation)")
            else:
                cells.append(value[1] if isinstance(value[1], str) else "(built from the stack)")
        rows.append([lid, types[lid], *cells])
    return Table(["resource", "type", *[r.stack for r in results]], rows,
                 title="Physical names in each stack")


def cli_progress(lines: Sequence[str], stack: str, *, head: int = 3, tail: int = 4,
                 only: Sequence[str] = ()) -> str:
    """The CDK CLI's output of one deploy, shortened for a notebook: its own lines, and the
    stack's resource events with the middle elided (the count says how many). With `only`,
    just the events that mention one of those strings, and the result line."""
    plain = [without_colour(ln).rstrip() for ln in lines]
    events = [ln for ln in plain if ln.startswith(f"{stack} |")]
    own = [ln for ln in plain
           if ln.strip() and not ln.startswith((f"{stack} |", "CDKToolkit", "Stack ARN", "arn:"))
           and "Trusted accounts" not in ln and "execution policy" not in ln]
    # Assets build and publish in parallel, so their lines come in any order: one line for them.
    asset = re.compile(rf"^{re.escape(stack)}: (?:start|success): (?:Building|Built|Publishing|"
                       r"Published) (.+?)(?: \(.*\))?$")
    published = sorted({m.group(1) for ln in own if (m := asset.match(ln))
                        and ": success: Published " in ln})
    first = next((i for i, ln in enumerate(own) if asset.match(ln)), None)
    own = [ln for ln in own if not asset.match(ln)]
    if first is not None:
        own.insert(first, f"{stack}: built and published {len(published)} assets: "
                          + ", ".join(published))
    if only:
        events = [ln for ln in events if any(s in ln for s in only)]
        own = [ln for ln in own if ln.lstrip().startswith(("✅", "❌"))]
        head, tail = len(events), 0
    shown = events if len(events) <= head + tail else [
        *events[:head], f"   … {len(events) - head - tail} more events …", *events[-tail:]]
    # The stack's events come right after the CLI says it is deploying (or changing) the stack.
    marks = [i for i, ln in enumerate(own) if ln.startswith(f"{stack}: ")
             and ("deploying..." in ln or "changeset" in ln or "destroying..." in ln)]
    split = marks[-1] + 1 if marks else 0 if only else len(own)
    return "\n".join([*own[:split], *shown, *own[split:]])
