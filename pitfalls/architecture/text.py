"""The text outline: the same content as the drawing, for terminals, nbval and untrusted notebooks."""

from __future__ import annotations

from collections.abc import Iterator

from pitfalls.architecture.model import Card, Panel, PipelineView


def _card_text(card: Card, indent: str) -> Iterator[str]:
    lines = "; ".join(t for t, _ in card.lines).replace("\u00a0", " ")
    see = {"above": ", see above", "outside": ", outside this template"}.get(card.elsewhere, "")
    head = f"{indent}{card.title} [{card.kind}{see}]" if card.title else f"{indent}[{card.kind}{see}]"
    yield f"{head}: {lines}" if lines else head
    for chip in card.chips:
        yield from _card_text(chip, indent + "    ")


def render_text(title: str, subtitle: str, views: list[PipelineView], panels: list[Panel]) -> str:
    out = [f"{title}: {subtitle}"]
    for view in views:
        out.append("")
        notes = "; ".join(t for t, _ in view.lines)
        out.append(f"Pipeline {view.title}" + (f": {notes}" if notes else ""))
        for stage in view.stages:
            out.append(f"  {stage.index + 1}. {stage.name}" + ("" if stage.actions else ": no actions"))
            for card in stage.actions:
                out.extend(_card_text(card, "     "))
    for panel in panels:
        out.append("")
        out.append(f"{panel.title} ({panel.note})" if panel.note else panel.title)
        for flow in panel.flows:
            names: dict[str, str] = {}
            for column in flow.columns:
                for card in column:
                    names[card.key] = card.title or card.kind
                    out.extend(_card_text(card, "  "))
            for src, dst, label in flow.arrows:
                if src in names and dst in names:
                    out.append(f"    {names[src]} -> {names[dst]} ({label})")
        for card in panel.grid:
            out.extend(_card_text(card, "  "))
    return "\n".join(out)
