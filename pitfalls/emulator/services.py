"""Patches of moto's service implementations (not its CloudFormation): listed in
`patches.PATCH_POINTS`, defined here, each with the moto function it replaces and why.
"""

from __future__ import annotations

import copy
import json
from typing import Any, cast

from moto.awslambda.models import LambdaFunction, LambdaStorage
from moto.codebuild.models import CodeBuildBackend, codebuild_backends
from moto.codedeploy import responses as codedeploy_responses
from moto.core.responses import ActionResult
from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
from moto.events.models import Rule
from moto.s3.models import FakeBucket
from moto.sns.models import sns_backends
from moto.utilities.arns import parse_arn

_original_send_to_targets = Rule.send_to_targets
_original_get_configuration = LambdaFunction.get_configuration
_original_update_configuration = LambdaFunction.update_configuration
_original_deployment_group_info = codedeploy_responses._deployment_group_info

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


# replaces moto.events.models.Rule.send_to_targets: moto raises NotImplementedError for SNS
# targets (so a failure notification never arrives) and delivers even when the rule is DISABLED.
# Other targets keep moto's own delivery, one target at a time.
def send_to_targets(self: Rule, original_event: dict[str, Any],
                    transform_input: bool = True) -> None:
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


# replaces moto.awslambda.models.LambdaFunction.get_configuration: add LoggingConfig, which moto
# neither stores nor returns (AWS always returns it, with these defaults).
def get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
    config = _original_get_configuration(self, on_create)
    logging_config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}"}
    logging_config.update(getattr(self, "logging_config", None) or {})
    config["LoggingConfig"] = logging_config
    return config


# replaces LambdaFunction.update_configuration: keep LoggingConfig (moto drops unknown keys).
def update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    if "LoggingConfig" in config_updates:
        setattr(self, "logging_config", dict(config_updates["LoggingConfig"] or {}))  # noqa: B010
    return _original_update_configuration(self, config_updates)


# replaces moto.codedeploy.responses._deployment_group_info: moto answers GetDeploymentGroup
# with an empty alarmConfiguration ("TODO"), whatever was configured.
def deployment_group_info(deployment_group: Any) -> dict[str, Any]:
    info = _original_deployment_group_info(deployment_group)
    info["alarmConfiguration"] = deployment_group.alarm_configuration or {
        "enabled": False, "ignorePollAlarmFailure": False, "alarms": []}
    return info


# --- S3 bucket policies ---------------------------------------------------------------------------

# The request context the emulator knows. Clients reach it over plain HTTP on loopback, standing in
# for AWS's TLS endpoints, so every request counts as secure transport.
REQUEST_CONTEXT = {"aws:securetransport": "true"}


def _matches(pattern: str, value: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(value, pattern)


def _condition_holds(conditions: dict[str, Any]) -> bool:
    """IAM semantics: every operator and key must hold; a key missing from the context fails."""
    for operator, keys in conditions.items():
        for key, expected in keys.items():
            actual = REQUEST_CONTEXT.get(key.lower())
            wanted = expected if isinstance(expected, list) else [expected]
            wanted = [str(w).lower() if operator == "Bool" else str(w) for w in wanted]
            if actual is None:
                if operator.endswith("IfExists"):
                    continue
                return False
            op = operator.removesuffix("IfExists")
            if op in ("Bool", "StringEquals", "ArnEquals"):
                ok = actual in wanted
            elif op in ("StringLike", "ArnLike"):
                ok = any(_matches(w, actual) for w in wanted)
            elif op == "StringNotEquals":
                ok = actual not in wanted
            else:
                return False  # an operator we cannot evaluate never grants or denies
            if not ok:
                return False
    return True


def _applies_to_caller(principal: Any, account_id: str) -> bool:
    """Every caller of the emulator is the account itself (root)."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    aws = principal.get("AWS", [])
    aws = aws if isinstance(aws, list) else [aws]
    return any(p in ("*", account_id, f"arn:aws:iam::{account_id}:root") for p in aws)


# replaces moto.s3.models.FakeBucket.get_permission: moto ignores a condition whose operator it
# does not know (Bool among them), so the CDK's enforceSSL policy ("Deny s3:* unless
# aws:SecureTransport") denied every request; and it treats a statement whose condition fails as a
# Deny. Here a statement counts only when its principal is the caller and its conditions hold.
def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
    from moto.iam.access_control import PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    policy = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
    statements = policy.get("Statement", [])
    permitted = False
    for st in statements if isinstance(statements, list) else [statements]:
        actions = st.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        resources = st.get("Resource", [])
        resources = resources if isinstance(resources, list) else [resources]
        if not any(_matches(a, action) for a in actions):
            continue
        if not any(_matches(r, resource) for r in resources):
            continue
        if not _applies_to_caller(st.get("Principal"), self.account_id):
            continue
        if not _condition_holds(st.get("Condition", {})):
            continue
        if st.get("Effect") == "Deny":
            return PermissionResult.DENIED
        permitted = True
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


# --- CodeBuild report groups: moto has none; stored next to its projects --------------------------

def report_groups(backend: CodeBuildBackend) -> dict[str, dict[str, Any]]:
    """Report groups by ARN, kept on moto's CodeBuild backend."""
    if not hasattr(backend, "pitfalls_report_groups"):
        backend.pitfalls_report_groups = {}  # type: ignore[attr-defined]
    return backend.pitfalls_report_groups  # type: ignore[attr-defined]


# added to moto.codebuild.responses.CodeBuildResponse: BatchGetReportGroups.
def batch_get_report_groups(self: Any) -> ActionResult:
    groups = report_groups(codebuild_backends[self.current_account][self.region])
    arns = self._get_param("reportGroupArns") or []
    return ActionResult({
        "reportGroups": [groups[a] for a in arns if a in groups],
        "reportGroupsNotFound": [a for a in arns if a not in groups],
    })


# added to moto.codebuild.responses.CodeBuildResponse: ListReportGroups.
def list_report_groups(self: Any) -> ActionResult:
    groups = report_groups(codebuild_backends[self.current_account][self.region])
    return ActionResult({"reportGroups": sorted(groups)})


# added to moto.cloudtrail.responses.CloudTrailResponse: LookupEvents. The CDK CLI looks up
# CloudTrail events after a failed deployment; moto answers 500 "not implemented", which the
# SDK retries for about 25 seconds. The local AWS records no management events, so the honest
# answer is an empty list.
def lookup_events(self: Any) -> str:
    return json.dumps({"Events": []})


# replaces moto.awslambda.models.LambdaStorage.publish_version: moto numbers a new version
# len(versions) + 1, so after version 1 is deleted (CloudFormation removes the replaced
# AWS::Lambda::Version of `fn.current_version`) the next publish is "2" again, beside the
# existing version 2. Lambda never reuses a version number of a function.
def publish_version(self: LambdaStorage, name_or_arn: str,
                    description: str = "") -> LambdaFunction | None:
    function = self.get_function_by_name_or_arn_forbid_qualifier(name_or_arn)
    name = function.function_name
    if name not in self._functions:
        return None
    latest = self._functions[name]["latest"]
    if not latest:
        return None
    all_versions = self._functions[name]["versions"]
    if all_versions:
        if not function.code_or_config_updated:
            return cast(LambdaFunction, all_versions[-1])  # nothing changed: no new version
        function.code_or_config_updated = False
    # The highest number ever published for this function, kept on its $LATEST.
    last = max([getattr(latest, "pitfalls_last_version", 0)]
               + [int(v.version) for v in all_versions])
    fn = copy.copy(latest)
    fn.set_version(last + 1)
    latest.pitfalls_last_version = last + 1
    if description:
        fn.description = description
    all_versions.append(fn)
    self._arns[fn.function_arn] = fn
    return fn


def replacements() -> dict[str, Any]:
    return {
        "moto.events.models:Rule.send_to_targets": send_to_targets,
        "moto.awslambda.models:LambdaFunction.get_configuration": get_configuration,
        "moto.awslambda.models:LambdaFunction.update_configuration": update_configuration,
        "moto.awslambda.models:LambdaStorage.publish_version": publish_version,
        "moto.codedeploy.responses:_deployment_group_info": deployment_group_info,
        "moto.s3.models:FakeBucket.get_permission": get_permission,
        "moto.codebuild.responses:CodeBuildResponse.batch_get_report_groups":
            batch_get_report_groups,
        "moto.codebuild.responses:CodeBuildResponse.list_report_groups": list_report_groups,
        "moto.cloudtrail.responses:CloudTrailResponse.lookup_events": lookup_events,
    }
