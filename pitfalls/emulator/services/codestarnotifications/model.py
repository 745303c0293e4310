"""AWS::CodeStarNotifications::NotificationRule (CDK's `pipeline.notify_on(...)`)."""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.cloudformation.errors import InvalidProperty
from pitfalls.emulator.cloudformation.resource import Resource, register
from pitfalls.emulator.services.codestarnotifications.backend import (
    RuleError,
    check,
    notifications_backends,
)


@register
class NotificationRule(Resource):
    TYPE = "AWS::CodeStarNotifications::NotificationRule"
    NAME_PROPERTY = "Name"
    NAME_MAX = 64
    PROPERTIES = {
        "Name": "", "Resource": "a CodePipeline pipeline's ARN",
        "EventTypeIds": "codepipeline-pipeline-* event types; their events are delivered",
        "Targets": "SNS topics (TargetType SNS); a topic whose policy does not let "
                   "codestar-notifications.amazonaws.com publish receives nothing",
        "DetailType": "BASIC or FULL", "Status": "", "CreatedBy": "", "Tags": "",
    }
    REQUIRED = ("Name", "Resource", "EventTypeIds", "Targets", "DetailType")
    REPLACE_ON = frozenset({"Resource"})
    ATTRIBUTES = ("Arn",)
    REF = "rule ARN"
    READ_BACK = "DescribeNotificationRule (the CodeStar Notifications API, added)"

    @classmethod
    def check(cls, props: dict[str, Any]) -> None:
        try:
            check(str(props["Resource"]), list(props["EventTypeIds"]), list(props["Targets"]),
                  str(props["DetailType"]))
        except RuleError as exc:
            raise InvalidProperty(f"{cls.TYPE}: {exc.message}") from None

    @property
    def backend(self) -> Any:
        return notifications_backends[self.account_id][self.region]

    def create(self) -> None:
        p = self.props
        try:
            rule = self.backend.create(p["Name"], p["Resource"], p["EventTypeIds"], p["Targets"],
                                       p["DetailType"], p.get("Status", "ENABLED"),
                                       p.get("CreatedBy"), p.get("Tags"))
        except RuleError as exc:
            raise InvalidProperty(exc.message) from None
        self.physical_id = rule.arn

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        rule = self.backend.get(self.physical_id)
        p = self.props
        rule.event_types, rule.targets = list(p["EventTypeIds"]), list(p["Targets"])
        rule.detail_type, rule.status = p["DetailType"], p.get("Status", "ENABLED")
        rule.created_by, rule.tags = p.get("CreatedBy"), dict(p.get("Tags") or {})

    def destroy(self) -> None:
        self.backend.delete(self.physical_id)

    def attribute(self, name: str) -> Any:
        return self.physical_id
