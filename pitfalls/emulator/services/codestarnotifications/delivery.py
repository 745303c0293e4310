"""Delivery of a pipeline's events to its notification rules' SNS topics.

The message is the "processed event" of
https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html
(`detailType` instead of `detail-type`, the rule's ARN, `additionalAttributes`). As in AWS, a
topic whose policy does not let codestar-notifications.amazonaws.com publish is UNREACHABLE and
receives nothing (https://docs.aws.amazon.com/dtconsole/latest/userguide/set-up-sns.html).
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.utils import iso_8601_datetime_without_milliseconds, utcnow
from moto.sns.models import sns_backends

from pitfalls.emulator.services.codestarnotifications.backend import (
    EVENT_TYPES,
    NotificationRule,
    notifications_backends,
)

PRINCIPAL = "codestar-notifications.amazonaws.com"


def _matches(rule: NotificationRule, detail_type: str, detail: dict[str, Any]) -> bool:
    category = (detail.get("type") or {}).get("category")
    for event_type in rule.event_types:
        wanted_type, state, wanted_category = EVENT_TYPES[event_type]
        if wanted_type == detail_type and state == detail.get("state") and (
                wanted_category is None or wanted_category == category):
            return True
    return False


def _may_publish(topic: Any) -> bool:
    policy = topic.policy if isinstance(topic.policy, dict) else json.loads(topic.policy or "{}")
    statements = policy.get("Statement", [])
    for st in statements if isinstance(statements, list) else [statements]:
        principal = (st.get("Principal") or {})
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = services if isinstance(services, list) else [services]
        acts = st.get("Action", [])
        acts = acts if isinstance(acts, list) else [acts]
        if (st.get("Effect") == "Allow" and PRINCIPAL in services
                and any(a in ("sns:Publish", "sns:*", "*") for a in acts)):
            return True
    return False


def notify(account_id: str, region: str, resource: str, detail_type: str,
           detail: dict[str, Any], additional: dict[str, Any]) -> None:
    """Publish the event to every enabled rule on `resource` whose event types match it."""
    rules = notifications_backends[account_id][region].rules.values()
    for rule in [r for r in rules if r.resource == resource and r.status == "ENABLED"]:
        if not _matches(rule, detail_type, detail):
            continue
        message = json.dumps({
            "account": account_id, "detailType": detail_type, "region": region,
            "source": "aws.codepipeline",
            "time": iso_8601_datetime_without_milliseconds(utcnow()),
            "notificationRuleArn": rule.arn, "detail": detail, "resources": [resource],
            "additionalAttributes": additional if rule.detail_type == "FULL" else {},
        })
        for target in rule.targets:
            address = target["TargetAddress"]
            sns = sns_backends[account_id][address.split(":")[3]]
            topic = sns.topics.get(address)
            if topic is None or not _may_publish(topic):
                rule.target_status[address] = "UNREACHABLE"
                continue
            rule.target_status[address] = "ACTIVE"
            sns.publish(message, arn=address)
