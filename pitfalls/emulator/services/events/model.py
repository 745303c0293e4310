"""EventBridge rules and their targets (SNS delivery is added in `patches.py`)."""

from __future__ import annotations

import json
from typing import Any

from moto.events.models import EventsBackend, events_backends

from pitfalls.emulator.cloudformation.errors import UnsupportedProperty
from pitfalls.emulator.cloudformation.resource import Resource, register

TARGET_KEYS = {"Id", "Arn", "Input", "InputPath", "InputTransformer", "RoleArn",
               "SqsParameters"}
DELIVERED = ("sns", "sqs", "logs", "codepipeline")  # target services events reach here


def events(account_id: str, region: str) -> EventsBackend:
    return events_backends[account_id][region]


@register
class Rule(Resource):
    TYPE = "AWS::Events::Rule"
    NAME_PROPERTY = "Name"
    NAME_MAX = 64
    PROPERTIES = {"Name": "", "Description": "", "EventPattern": "matched as EventBridge does",
                  "ScheduleExpression": "stored; schedules do not fire",
                  "State": "a DISABLED rule delivers nothing", "EventBusName": "",
                  "RoleArn": "", "Targets": "SNS, SQS and Logs targets receive events, a "
                  "CodePipeline target starts the pipeline; Input, InputPath, InputTransformer", "Tags": ""}
    REPLACE_ON = frozenset({"EventBusName"})
    ATTRIBUTES = ("Arn",)
    REF = "rule name"
    READ_BACK = "DescribeRule, ListTargetsByRule"

    @classmethod
    def check(cls, props: dict[str, Any]) -> None:
        for target in props.get("Targets", []):
            for key in target:
                if key not in TARGET_KEYS:
                    raise UnsupportedProperty(cls.TYPE, f"Targets.{key}")
            service = str(target.get("Arn", "")).split(":")[2:3]
            if service and service[0] not in DELIVERED:
                raise UnsupportedProperty(cls.TYPE, f"Targets.Arn ({service[0]})",
                                          "the emulator delivers to sns, sqs, logs and codepipeline "
                                          "only")

    @property
    def bus(self) -> str:
        return str(self.props.get("EventBusName", "default"))

    def _put(self) -> None:
        p = self.props
        pattern = p.get("EventPattern")
        events(self.account_id, self.region).put_rule(
            self.name, description=p.get("Description"), event_bus_arn=self.bus,
            event_pattern=json.dumps(pattern) if isinstance(pattern, dict) else pattern,
            role_arn=p.get("RoleArn"), scheduled_expression=p.get("ScheduleExpression"),
            state=p.get("State", "ENABLED"))
        b = events(self.account_id, self.region)
        arn = b.describe_rule(self.name, self.bus).arn
        b.tagger.delete_all_tags_for_resource(arn)
        if p.get("Tags"):
            b.tagger.tag_resource(arn, p["Tags"])

    def _targets(self, old: dict[str, Any]) -> None:
        b = events(self.account_id, self.region)
        new = {t["Id"]: t for t in self.props.get("Targets", [])}
        gone = [t["Id"] for t in old.get("Targets", []) if t["Id"] not in new]
        if gone:
            b.remove_targets(self.name, self.bus, gone)
        if new:
            b.put_targets(self.name, self.bus, list(new.values()))

    def create(self) -> None:
        self._put()
        self._targets({})

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        self._put()  # moto's PutRule keeps the targets of an existing rule
        self._targets(old)

    def destroy(self) -> None:
        b = events(self.account_id, self.region)
        rule = b._get_event_bus(self.bus).rules.get(self.name)
        if rule is None:
            return
        if rule.targets:
            b.remove_targets(self.name, self.bus, [t["Id"] for t in rule.targets])
        b.delete_rule(self.name, self.bus)

    def attribute(self, name: str) -> Any:
        return events(self.account_id, self.region).describe_rule(self.name, self.bus).arn
