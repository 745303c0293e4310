"""Read-back of CloudWatch Logs: AWS::Logs::LogGroup, compared with the template through the
Logs API.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Gone, Report, attributes, reads, sub, tags


def _log_group(c: Clients, name: str) -> dict[str, Any]:
    groups = c.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    for g in groups:
        if g["logGroupName"] == name:
            return dict(g)
    raise Gone(name)


@reads("AWS::Logs::LogGroup")
def _log_group_check(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    g = _log_group(c, name)
    r.expect(w, "retention", g.get("retentionInDays"), p.get("RetentionInDays"))
    if "KmsKeyId" in p:
        r.expect(w, "kms key", g.get("kmsKeyId"), p["KmsKeyId"])
    if "Tags" in p:
        arn = g["arn"].removesuffix(":*")
        got = c.logs.list_tags_for_resource(resourceArn=arn)["tags"]
        r.expect(w, "tags", sub(got, tags(p["Tags"])), tags(p["Tags"]))


attributes("AWS::Logs::LogGroup", Arn=lambda c, p: _log_group(c, p)["arn"])
