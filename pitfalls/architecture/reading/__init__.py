"""Reading a template into the model: one mixin per panel over `Reader` (base.py), put together
here as `Builder`. Panels are read in order (pipeline, release, events, shared, other): a resource
the earlier panels showed is drawn as a reference later, and what none showed ends up in "Other"."""

from __future__ import annotations

from pitfalls.architecture.model import Card, Panel, counted, service_of
from pitfalls.architecture.reading.events import EventsReader
from pitfalls.architecture.reading.pipeline import PipelineReader
from pitfalls.architecture.reading.release import ReleaseReader
from pitfalls.architecture.reading.shared import SharedReader


class Builder(PipelineReader, ReleaseReader, EventsReader, SharedReader):
    """Turns a template into panels of cards; records every relationship it shows as an Edge.
    `other_panel` comes last: it sweeps up whatever no other panel showed."""

    def other_panel(self) -> Panel | None:
        left: dict[str, list[str]] = {}
        for lid, body in self.res.items():
            if lid not in self.shown:
                left.setdefault(str(body.get("Type", "")), []).append(lid)
        if not left and not self.malformed:
            return None
        panel = Panel("Other resources", "not part of anything above, by type")
        by_family: dict[str, list[str]] = {}
        for rtype in left:
            by_family.setdefault(rtype.split("::")[1] if rtype.count("::") >= 2 else rtype, []).append(rtype)
        for service, types in by_family.items():
            card = Card(f"other:{service}", service_of(types[0]), service or "unknown", "")
            ids: list[str] = []
            for rtype in types:
                lids = left[rtype]
                ids += lids
                names = ", ".join(self.label(lid) for lid in lids[:4]) + (
                    f" and {len(lids) - 4} more" if len(lids) > 4 else ""
                )
                card.lines.append((counted(len(lids), rtype), ""))
                card.lines.append((names, "dim"))
            card.title = f"{len(ids)} resource{'s' if len(ids) != 1 else ''}"
            card.ids = tuple(ids)
            self.shown.update(ids)
            panel.grid.append(card)
        if self.malformed:
            panel.grid.append(
                Card(
                    "malformed",
                    "other",
                    "skipped",
                    f"{self.malformed} malformed",
                    [("entries under Resources that are not resources", "warn")],
                )
            )
        return panel
