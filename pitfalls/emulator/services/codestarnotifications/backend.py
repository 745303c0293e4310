"""Notification rules (moto has no CodeStar Notifications): the rules and their event types.

Event type ids and the events they match follow
https://docs.aws.amazon.com/dtconsole/latest/userguide/concepts.html#events-ref-pipeline;
the local AWS delivers the pipeline ones (the only resource that emits events here).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.utils import utcnow

# Event type id -> (EventBridge detail-type, state, action category or None for any)
PIPELINE = "CodePipeline Pipeline Execution State Change"
STAGE = "CodePipeline Stage Execution State Change"
ACTION = "CodePipeline Action Execution State Change"
EVENT_TYPES: dict[str, tuple[str, str, str | None]] = {
    **{f"codepipeline-pipeline-pipeline-execution-{s.lower()}": (PIPELINE, s, None)
       for s in ("FAILED", "CANCELED", "STARTED", "RESUMED", "SUCCEEDED", "SUPERSEDED")},
    **{f"codepipeline-pipeline-stage-execution-{s.lower()}": (STAGE, s, None)
       for s in ("STARTED", "SUCCEEDED", "RESUMED", "CANCELED", "FAILED")},
    **{f"codepipeline-pipeline-action-execution-{s.lower()}": (ACTION, s, None)
       for s in ("SUCCEEDED", "FAILED", "CANCELED", "STARTED")},
    "codepipeline-pipeline-manual-approval-needed": (ACTION, "STARTED", "Approval"),
    "codepipeline-pipeline-manual-approval-succeeded": (ACTION, "SUCCEEDED", "Approval"),
    "codepipeline-pipeline-manual-approval-failed": (ACTION, "FAILED", "Approval"),
}


def event_type_summary(event_type: str) -> dict[str, str]:
    detail_type, state, category = EVENT_TYPES[event_type]
    what = "Manual approval" if category else detail_type.split()[1]
    return {"EventTypeId": event_type, "ServiceName": "CodePipeline",
            "EventTypeName": f"{what} execution: {state.capitalize()}" if not category
            else f"{what}: {event_type.rsplit('-', 1)[-1].capitalize()}",
            "ResourceType": "Pipeline"}


@dataclass
class NotificationRule:
    arn: str
    name: str
    resource: str
    event_types: list[str]
    targets: list[dict[str, str]]
    detail_type: str = "FULL"
    status: str = "ENABLED"
    created_by: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    created: Any = field(default_factory=utcnow)
    modified: Any = field(default_factory=utcnow)
    target_status: dict[str, str] = field(default_factory=dict)  # address -> status

    def describe(self) -> dict[str, Any]:
        return {
            "Arn": self.arn, "Name": self.name, "Resource": self.resource,
            "EventTypes": [event_type_summary(e) for e in self.event_types],
            "Targets": [{"TargetAddress": t["TargetAddress"], "TargetType": t["TargetType"],
                         "TargetStatus": self.target_status.get(t["TargetAddress"], "ACTIVE")}
                        for t in self.targets],
            "DetailType": self.detail_type, "Status": self.status,
            **({"CreatedBy": self.created_by} if self.created_by else {}),
            "CreatedTimestamp": self.created.timestamp(),
            "LastModifiedTimestamp": self.modified.timestamp(), "Tags": dict(self.tags),
        }


class RuleError(Exception):
    """A request the service refuses: (error type, message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class NotificationsBackend(BaseBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.rules: dict[str, NotificationRule] = {}

    def create(self, name: str, resource: str, event_types: list[str],
               targets: list[dict[str, str]], detail_type: str = "FULL",
               status: str = "ENABLED", created_by: str | None = None,
               tags: dict[str, str] | None = None) -> NotificationRule:
        if any(r.name == name for r in self.rules.values()):
            raise RuleError("ResourceAlreadyExistsException",
                            f"A notification rule named {name} already exists")
        check(resource, event_types, targets, detail_type)
        rule_id = hashlib.sha1(f"{self.account_id}{name}".encode()).hexdigest()
        arn = (f"arn:aws:codestar-notifications:{self.region_name}:{self.account_id}:"
               f"notificationrule/{rule_id}")
        rule = NotificationRule(arn, name, resource, list(event_types), list(targets),
                                detail_type, status, created_by, dict(tags or {}))
        self.rules[arn] = rule
        return rule

    def get(self, arn: str) -> NotificationRule:
        rule = self.rules.get(arn)
        if rule is None:
            raise RuleError("ResourceNotFoundException", f"Notification rule {arn} not found")
        return rule

    def delete(self, arn: str) -> None:
        self.rules.pop(arn, None)


def check(resource: str, event_types: list[str], targets: list[dict[str, str]],
          detail_type: str) -> None:
    """What the local AWS can deliver: pipeline events to SNS topics."""
    if ":codepipeline:" not in resource:
        raise RuleError("ValidationException", f"Resource {resource}: the local AWS delivers "
                        "notifications of CodePipeline pipelines only")
    unknown = [e for e in event_types if e not in EVENT_TYPES]
    if unknown or not event_types:
        raise RuleError("ValidationException", f"Event types {unknown or '(none)'} are not "
                        "pipeline event types the local AWS delivers")
    for target in targets:
        if target.get("TargetType") != "SNS":
            raise RuleError("ValidationException", f"Target type {target.get('TargetType')}: "
                            "the local AWS delivers to SNS topics only")
    if detail_type not in ("BASIC", "FULL"):
        raise RuleError("ValidationException", "DetailType must be BASIC or FULL")


notifications_backends = BackendDict(NotificationsBackend, "codestar-notifications")
