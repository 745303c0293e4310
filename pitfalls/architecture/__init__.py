"""The architecture of a stack, drawn from its synthesized template and nothing else.

`architecture(template)` reads a CloudFormation template as plain data (no aws_cdk import) and
returns a `Diagram`: an SVG for notebooks and a text outline for terminals and nbval. Every box and
arrow comes from the template: pipeline stages and actions from `Stages`, everything else from the
references between resources (Ref, Fn::GetAtt, Fn::Sub). Nothing is known about our stack in
particular, so any template draws: parts a template lacks are left out, types the diagram has no
place for are grouped by service, and references to missing resources are shown as such.

Labels are construct paths (`aws:cdk:path` without the stack and `/Resource`) where CDK recorded
them, else logical ids without CDK's hash. The same template always gives the same bytes.

Where the parts live:
- `model.py`: service colours and names; the model (Card, Flow, Panel, PipelineView, Edge, Diagram).
- `reading/`: the template read into the model, one module per panel (pipeline, release, events,
  shared) over the look-ups in `reading/base.py`; `reading/__init__.py` puts them together.
- `svg.py`: layout and the SVG; `measure.py`: text widths and wrapping; `text.py`: the text outline.
- here: `architecture()` and `main()`; `__main__.py` runs `main` for `python -m pitfalls.architecture`.
"""

from __future__ import annotations

from pitfalls.architecture.measure import FONT, text_width, wrap
from pitfalls.architecture.model import (
    PALETTE,
    Card,
    Diagram,
    Edge,
    Flow,
    Json,
    Line,
    Panel,
    PipelineView,
    Stage,
    service_of,
    type_name,
)
from pitfalls.architecture.reading import Builder
from pitfalls.architecture.svg import render_svg
from pitfalls.architecture.text import render_text
from pitfalls.templates import Template

__all__ = [
    "FONT",
    "PALETTE",
    "Card",
    "Diagram",
    "Edge",
    "Flow",
    "Line",
    "Panel",
    "PipelineView",
    "Stage",
    "architecture",
    "main",
    "service_of",
    "text_width",
    "type_name",
    "wrap",
]


def _stack_name(b: Builder) -> str:
    heads = sorted({p.split("/", 1)[0] for lid in b.res if (p := b.path(lid))})
    return b.t.name or (heads[0] if len(heads) == 1 else "Template")


def architecture(template: dict[str, Json] | Template, name: str = "") -> Diagram:
    """The architecture of a synthesized template, drawn from the template alone."""
    data = template.data if isinstance(template, Template) else template
    data = data if isinstance(data, dict) else {}
    raw = data.get("Resources")
    raw = raw if isinstance(raw, dict) else {}
    clean = {
        lid: body
        for lid, body in raw.items()
        if isinstance(lid, str) and isinstance(body, dict) and isinstance(body.get("Type"), str)
    }
    parameters = data.get("Parameters")
    t = Template(
        {"Resources": clean, "Parameters": parameters if isinstance(parameters, dict) else {}},
        name or (template.name if isinstance(template, Template) else ""),
    )
    b = Builder(t, len(raw) - len(clean))
    views = b.pipeline_views()
    panels = [p for p in (b.release_panel(), b.events_panel(), b.shared_panel()) if p]
    other = b.other_panel()
    if other:
        panels.append(other)
    title = _stack_name(b)
    n = len(clean)
    subtitle = f"{n} resource{'s' if n != 1 else ''}, drawn from the synthesized template"
    if not clean:
        subtitle = "no resources in the template"
    stages = tuple(f"{v.title}: {s.name}" for v in views for s in v.stages)
    return Diagram(
        title,
        render_svg(title, subtitle, views, panels),
        render_text(title, subtitle, views, panels),
        tuple(b.edges),
        stages,
        frozenset(b.shown),
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m pitfalls.architecture TEMPLATE|CDK_OUT [OUT.svg]`: print the outline of each stack
    and, when OUT.svg is given, write the drawing there (one file per stack when there are several)."""
    import sys
    from pathlib import Path

    from pitfalls.templates import InputError, load_path

    args = sys.argv[1:] if argv is None else argv
    if not 1 <= len(args) <= 2:
        print("usage: python -m pitfalls.architecture TEMPLATE|CDK_OUT [OUT.svg]", file=sys.stderr)
        return 2
    try:
        templates, _ = load_path(Path(args[0]))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args[1]) if len(args) == 2 else None
    for t in templates:
        d = architecture(t)
        print(repr(d))
        if out is not None:
            target = out if len(templates) == 1 else out.with_name(f"{out.stem}-{t.name}{out.suffix}")
            target.write_text(d.svg, encoding="utf-8")
            print(f"wrote {target}")
    return 0
