"""Read-back of EventBridge: AWS::Events::Rule, compared with the template through EventBridge's
API.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Report, attributes, call, reads, sub, tags


@reads("AWS::Events::Rule")
def _rule(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    bus = p.get("EventBusName", "default")
    got = call(c.events.describe_rule, Name=name, EventBusName=bus)
    r.expect(w, "state", got.get("State"), p.get("State", "ENABLED"))
    for key in ("EventPattern", "ScheduleExpression", "Description", "RoleArn"):
        if key in p:
            r.expect(w, key, got.get(key), p[key])
    targets = c.events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
    r.expect(w, "targets", [(t["Id"], t["Arn"]) for t in targets],
             [(t["Id"], t["Arn"]) for t in p.get("Targets", [])])
    for got_t, want_t in zip(targets, p.get("Targets", []), strict=False):
        for key in ("Input", "InputPath", "InputTransformer"):
            if key in want_t:
                r.expect(w, f"target {want_t['Id']} {key}", got_t.get(key), want_t[key])
    if "Tags" in p:
        got_tags = tags(c.events.list_tags_for_resource(ResourceARN=got["Arn"])["Tags"])
        r.expect(w, "tags", sub(got_tags, tags(p["Tags"])), tags(p["Tags"]))


attributes(
    "AWS::Events::Rule",
    Arn=lambda c, p: call(c.events.describe_rule, Name=p)["Arn"],
)
