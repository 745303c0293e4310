"""The reader's base: look-ups over the template every panel uses, and the helpers two panels share
(resource cards, action ids, alarm summaries). Each panel is a mixin over `Reader` in its own module."""

from __future__ import annotations

import re

from pitfalls.architecture.model import Card, Edge, Json, counted, service_of, type_name
from pitfalls.templates import PIPELINE, PipelineAction, Template, pipeline_actions, ref_target, refs_in_order

_HASH = re.compile(r"(?<=[a-z0-9])[0-9A-F]{8}$")
ALARM = "AWS::CloudWatch::Alarm"


def as_dict(value: Json) -> dict[str, Json]:
    """`value` if it is a mapping, else empty: a template is user input and may have anything anywhere."""
    return value if isinstance(value, dict) else {}


def as_str(value: Json) -> str | None:
    """`value` if it is a string, else None."""
    return value if isinstance(value, str) else None


def as_text(value: Json) -> str | None:
    """A scalar as the template author wrote it (booleans in lower case); None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


class Reader:
    """What every panel reads from: the template's resources, who references whom, and what the
    panels so far have shown (`shown`) and related (`edges`)."""

    def __init__(self, t: Template, malformed: int) -> None:
        self.t = t
        self.malformed = malformed
        self.res: dict[str, dict[str, Json]] = dict(t.resources_all())
        self.edges: dict[Edge, None] = {}  # an ordered set
        self.shown: set[str] = set()
        self._refs: dict[str, list[str]] = {}
        self.referrers: dict[str, list[str]] = {}
        for lid in self.res:
            for target in self.refs(lid):
                self.referrers.setdefault(target, []).append(lid)
        self.params = set(as_dict(t.data.get("Parameters")))
        self.pipelines = [(lid, pipeline_actions(self.props(lid))) for lid, _ in t.resources(PIPELINE)]

    # -- look-ups ------------------------------------------------------------------------------

    def props(self, lid: str | None) -> dict[str, Json]:
        return as_dict(self.res.get(lid or "", {}).get("Properties"))

    def type(self, lid: str | None) -> str:
        return str(self.res.get(lid or "", {}).get("Type", ""))

    def refs(self, lid: str) -> list[str]:
        """Resources of this template that `lid`'s properties reference, in order of appearance."""
        if lid not in self._refs:
            self._refs[lid] = [r for r in refs_in_order(self.props(lid)) if r in self.res and r != lid]
        return self._refs[lid]

    def of_type(self, *types: str) -> list[str]:
        return [lid for lid, body in self.res.items() if body.get("Type") in types]

    def path(self, lid: str) -> str | None:
        path = as_dict(self.res.get(lid, {}).get("Metadata")).get("aws:cdk:path")
        return path if isinstance(path, str) else None

    def label(self, lid: str) -> str:
        """The construct path without the stack and /Resource, else the logical id without hash."""
        path = self.path(lid)
        if path and "/" in path:
            parts = path.split("/")[1:]
            while len(parts) > 1 and parts[-1] in ("Resource", "Default"):
                parts.pop()
            collapsed = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
            return "/".join(collapsed)
        return _HASH.sub("", lid) or lid

    def tip(self, lid: str) -> str:
        return " · ".join(p for p in (lid, self.type(lid), self.path(lid)) if p)

    def edge(self, source: str, target: str, label: str) -> None:
        self.edges.setdefault(Edge(source, target, label))

    def pointer(self, value: Json) -> tuple[str | None, str]:
        """What a property points at: (logical id in the template, or None; readable text)."""
        target = ref_target(value)
        if target is None:
            refs = refs_in_order(value)
            target = next((r for r in refs if r in self.res), refs[0] if refs else None)
        if target is None:
            text = as_text(value)
            return None, text if text is not None else "(not set)" if value is None else "(computed)"
        if target in self.res:
            return target, self.label(target)
        if target in self.params:
            return None, f"parameter {target}"
        if target.startswith("AWS::"):
            return None, target
        return None, f"{target} (not in the template)"

    def missing(self, value: Json) -> bool:
        target = ref_target(value)
        return (
            target is not None
            and target not in self.res
            and target not in self.params
            and not target.startswith("AWS::")
        )

    def resource_card(self, lid: str, key: str | None = None, elsewhere: str = "") -> Card:
        rtype = self.type(lid)
        self.shown.add(lid)
        return Card(
            key or lid,
            service_of(rtype),
            type_name(rtype),
            self.label(lid),
            ids=(lid,),
            elsewhere=elsewhere,
            tip=self.tip(lid),
        )

    @staticmethod
    def action_id(plid: str, a: PipelineAction) -> str:
        return f"{plid}/{a.stage}/{a.name}"

    # -- alarms: summarised by the events panel (who notifies a topic) and the shared one --------

    def alarm_actions(self, alarm: str) -> list[str]:
        props = self.props(alarm)
        found: list[str] = []
        for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            found += [r for r in refs_in_order(props.get(key)) if r in self.res]
        return list(dict.fromkeys(found))

    def alarm_action_parameters(self, alarm: str) -> list[str]:
        """Template parameters an alarm's actions name (a topic another stack hands over)."""
        props = self.props(alarm)
        found = [r for key in ("AlarmActions", "OKActions", "InsufficientDataActions")
                 for r in refs_in_order(props.get(key)) if r in self.params]
        return list(dict.fromkeys(found))

    def watched(self, alarm: str) -> str | None:
        """The resource an alarm's metric is about (the first one its dimensions reference)."""
        props = self.props(alarm)
        return next(
            (r for r in refs_in_order([props.get("Dimensions"), props.get("Metrics")]) if r in self.res), None
        )

    def alarms_summary(self, key: str, alarms: list[str]) -> Card:
        """Many alarms in one card: how many watch which kind of resource."""
        title = f"{len(alarms)} alarm{'s' if len(alarms) != 1 else ''}"
        card = Card(key, "management", "CloudWatch alarms", title, ids=tuple(alarms))
        by: dict[str, tuple[int, list[str]]] = {}
        for a in alarms:
            self.shown.add(a)
            target = self.watched(a)
            what = (
                self.type(target)
                if target
                else f"{as_text(self.props(a).get('Namespace')) or 'other'} metrics"
            )
            n, seen = by.get(what, (0, []))
            by[what] = (n + 1, seen + [target] if target and target not in seen else seen)
        for what, (n, seen) in by.items():
            on = counted(len(seen), what) if seen else what
            card.lines.append((f"{n} on {on}", "dim"))
        return card
