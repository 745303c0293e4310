"""CloudWatch Logs log groups."""

from __future__ import annotations

from typing import Any, cast

from moto.logs.models import LogsBackend, logs_backends

from pitfalls.emulator.cloudformation.resource import Resource, register, tag_list, tags_dict

RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                  2192, 2557, 2922, 3288, 3653}


def logs(account_id: str, region: str) -> LogsBackend:
    return logs_backends[account_id][region]


@register
class LogGroup(Resource):
    TYPE = "AWS::Logs::LogGroup"
    NAME_PROPERTY = "LogGroupName"
    NAME_MAX = 512
    PROPERTIES = {"LogGroupName": "", "RetentionInDays": "one of the values Logs accepts",
                  "KmsKeyId": "", "Tags": ""}
    ATTRIBUTES = ("Arn",)
    REF = "log group name"
    READ_BACK = "DescribeLogGroups, ListTagsForResource"

    @classmethod
    def check(cls, props: dict[str, Any]) -> None:
        from pitfalls.emulator.cloudformation.errors import InvalidProperty

        if "RetentionInDays" in props and int(props["RetentionInDays"]) not in RETENTION_DAYS:
            raise InvalidProperty(f"RetentionInDays {props['RetentionInDays']} is not a value "
                                  "CloudWatch Logs accepts")

    def create(self) -> None:
        p = self.props
        kwargs: dict[str, Any] = {}
        if "KmsKeyId" in p:
            kwargs["kmsKeyId"] = p["KmsKeyId"]
        group = logs(self.account_id, self.region).create_log_group(
            self.name, tags_dict(p.get("Tags")), **kwargs)
        if "RetentionInDays" in p:
            group.set_retention_policy(cast(str, int(p["RetentionInDays"])))  # moto keeps ints

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        b, p = logs(self.account_id, self.region), self.props
        group = b.groups[self.name]
        if "RetentionInDays" in changed:
            group.set_retention_policy(cast(str, int(p["RetentionInDays"]))
                                       if "RetentionInDays" in p else None)
        if "KmsKeyId" in changed:
            group.kms_key_id = p.get("KmsKeyId")
        if "Tags" in changed:
            new, before = tags_dict(p.get("Tags")), tags_dict(old.get("Tags"))
            gone = [k for k in before if k not in new]
            if gone:
                b.untag_resource(group.arn, gone)
            if new:
                b.tag_resource(group.arn, new)

    def destroy(self) -> None:
        logs(self.account_id, self.region).groups.pop(self.name, None)

    def actual(self) -> dict[str, Any] | None:
        b = logs(self.account_id, self.region)
        group = b.groups.get(self.name)
        if group is None:
            return None
        out: dict[str, Any] = {"LogGroupName": group.name,
                               "Tags": tag_list(b.list_tags_for_resource(group.arn))}
        if group.retention_in_days:
            out["RetentionInDays"] = group.retention_in_days
        if group.kms_key_id:
            out["KmsKeyId"] = group.kms_key_id
        return out

    def attribute(self, name: str) -> Any:
        # CloudFormation's Arn of a log group ends in ":*"
        return f"{self.arn_prefix}:logs:{self.region}:{self.account_id}:log-group:{self.name}:*"
