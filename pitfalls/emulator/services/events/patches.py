"""Patches of moto's EventBridge: delivery to SNS targets, and DISABLED rules deliver nothing."""

from __future__ import annotations

import copy
import json
from typing import Any, cast

from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
from moto.events.models import Rule
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
    """Deliver to SNS topics (moto raises NotImplementedError) and skip DISABLED rules.

    Without SNS delivery a failure notification never arrives; moto also delivers when the rule is
    DISABLED. Other targets keep moto's own delivery, one target at a time.
    """
    if self.state != "ENABLED" or not self.event_pattern.matches_event(
            cast(Any, original_event)):
        return
    for target in self.targets:
        arn = parse_arn(target["Arn"])
        if arn.service == "sns":
            message = _event_for_target(target, original_event)
            sns_backends[arn.account][arn.region].publish(message, arn=target["Arn"])
        else:
            one = copy.copy(self)
            one.targets = [target]
            _original_send_to_targets(one, cast(Any, original_event), transform_input)
