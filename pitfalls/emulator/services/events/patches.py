"""Patches of moto's EventBridge: delivery to SNS targets, and DISABLED rules deliver nothing."""

from __future__ import annotations

import copy
import json
from typing import Any, cast

from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
from moto.events.models import EventPattern, Rule
from moto.sns.models import sns_backends
from moto.utilities.arns import parse_arn

from pitfalls.emulator.moto_patch import replaces

_original_send_to_targets = Rule.send_to_targets

# The fields of an EventBridge event as delivered to a target.
EVENT_FIELDS = ("version", "id", "detail-type", "source", "account", "time", "region",
                "resources", "detail")


def _event_for_target(target: dict[str, Any], event: dict[str, Any]) -> str:
    """The message a target receives: Input, InputPath, InputTransformer, or the event itself."""
    from moto.events.utils import EventTemplateParser

    if "Input" in target:
        return str(target["Input"])
    delivered = {k: event[k] for k in EVENT_FIELDS if k in event}
    if isinstance(delivered.get("time"), (int, float)):
        delivered["time"] = iso_8601_datetime_without_milliseconds(
            utcfromtimestamp(delivered["time"]))
    if "InputPath" in target:
        from jsonpath_ng.ext import parse

        found = parse(target["InputPath"]).find(delivered)
        return json.dumps(found[0].value) if found else "null"
    transformer = target.get("InputTransformer")
    if transformer:
        result = EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=cast(Any, {**delivered, "ingestion-time": event.get("ingestion-time")}),
        )
        return result if isinstance(result, str) else json.dumps(result)
    return json.dumps(delivered)


@replaces("moto.events.models:Rule.send_to_targets",
          "472e002e2dab8a599554a7d6c7ea0910625a5b39c7699b9ca4404255efcfc172")
def send_to_targets(self: Rule, original_event: dict[str, Any],
                    transform_input: bool = True) -> None:
    """Deliver to SNS topics (moto raises NotImplementedError), start CodePipeline targets and
    skip DISABLED rules.

    Without SNS delivery a failure notification never arrives; without pipeline targets an S3
    source with S3Trigger.EVENTS never starts; moto also delivers when the rule is DISABLED.
    Other targets keep moto's own delivery, one target at a time.
    """
    if self.state != "ENABLED" or not self.event_pattern.matches_event(
            cast(Any, original_event)):
        return
    for target in self.targets:
        arn = parse_arn(target["Arn"])
        if arn.service == "sns":
            message = _event_for_target(target, original_event)
            sns_backends[arn.account][arn.region].publish(message, arn=target["Arn"])
        elif arn.service == "codepipeline":
            from pitfalls.emulator.services.codepipeline.executions import start_execution

            start_execution(arn.account, arn.region, arn.resource_id,
                            {"triggerType": "CloudWatchEvent", "triggerDetail": self.arn})
        else:
            one = copy.copy(self)
            one.targets = [target]
            _original_send_to_targets(one, cast(Any, original_event), transform_input)


def _flatten(node: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Dotted paths -> values; the values of a path inside an array of objects are collected
    into one list (EventBridge matches a pattern field against any element)."""
    out = {} if out is None else out
    if isinstance(node, dict) and node:
        for key, value in node.items():
            _flatten(value, f"{prefix}.{key}" if prefix else key, out)
    elif isinstance(node, list) and any(isinstance(v, dict) for v in node):
        for item in node:
            _flatten(item, prefix, out)
    elif prefix in out:
        before = out[prefix] if isinstance(out[prefix], list) else [out[prefix]]
        out[prefix] = before + (node if isinstance(node, list) else [node])
    else:
        out[prefix] = node
    return out


@replaces("moto.events.models:EventPattern.matches_event",
          "3e71eb7ff5903b5064a34f7e61379b35b5613ac7cf9602ec35d286138dd96c94")
def matches_event(self: EventPattern, event: dict[str, Any]) -> bool:
    """Match fields inside arrays of objects, as EventBridge does (the rule CDK writes for an S3
    source matches `detail.resources.ARN` of a CloudTrail record); moto stops at arrays.

    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
    """
    if not self._pattern:
        return True
    return bool(self._does_event_match(_flatten(json.loads(json.dumps(event))), self._pattern))
