"""Read-back of CodeStar Notifications: AWS::CodeStarNotifications::NotificationRule, compared
with the template through DescribeNotificationRule.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Report, attributes, call, reads


@reads("AWS::CodeStarNotifications::NotificationRule")
def _rule(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = call(c.codestarnotifications.describe_notification_rule, Arn=arn)
    r.expect(w, "name", got["Name"], p["Name"])
    r.expect(w, "resource", got["Resource"], p["Resource"])
    r.expect(w, "event types", sorted(e["EventTypeId"] for e in got["EventTypes"]),
             sorted(p["EventTypeIds"]))
    r.expect(w, "targets", sorted((t["TargetType"], t["TargetAddress"]) for t in got["Targets"]),
             sorted((t["TargetType"], t["TargetAddress"]) for t in p["Targets"]))
    r.expect(w, "detail type", got["DetailType"], p["DetailType"])
    r.expect(w, "status", got["Status"], p.get("Status", "ENABLED"))
    if "Tags" in p:
        r.expect(w, "tags", got.get("Tags", {}), p["Tags"])


attributes("AWS::CodeStarNotifications::NotificationRule", Arn=lambda c, p: p)
