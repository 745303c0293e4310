"""CodeDeploy applications and deployment groups, and the deployments CloudFormation starts
for a Lambda alias under the CodeDeployLambdaAliasUpdate update policy."""

from __future__ import annotations

import json
from typing import Any, cast

from moto.codedeploy.models import CodeDeployBackend, codedeploy_backends

from pitfalls.emulator.cloudformation.api_shape import to_api
from pitfalls.emulator.cloudformation.errors import InvalidProperty, UnsupportedProperty
from pitfalls.emulator.cloudformation.resource import Resource, as_bool, register, tag_list
from pitfalls.emulator.cloudformation.update_policies import carried_out_by


def codedeploy(account_id: str, region: str) -> CodeDeployBackend:
    return codedeploy_backends[account_id][region]


@register
class Application(Resource):
    TYPE = "AWS::CodeDeploy::Application"
    NAME_PROPERTY = "ApplicationName"
    NAME_MAX = 100
    PROPERTIES = {"ApplicationName": "", "ComputePlatform": "", "Tags": ""}
    REPLACE_ON = frozenset({"ComputePlatform"})
    REF = "application name"
    READ_BACK = "GetApplication, ListTagsForResource"

    def create(self) -> None:
        codedeploy(self.account_id, self.region).create_application(
            self.name, self.props.get("ComputePlatform", "Server"), self.props.get("Tags") or [])

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        b = codedeploy(self.account_id, self.region)
        arn = b._application_arn(self.name)
        b.tagger.delete_all_tags_for_resource(arn)
        if self.props.get("Tags"):
            b.tagger.tag_resource(arn, self.props["Tags"])

    def destroy(self) -> None:
        # moto has no DeleteApplication; as in CodeDeploy, its deployment groups go with it.
        b = codedeploy(self.account_id, self.region)
        b.applications.pop(self.name, None)
        b.deployment_groups.pop(self.name, None)

    def actual(self) -> dict[str, Any] | None:
        b = codedeploy(self.account_id, self.region)
        app = b.applications.get(self.name)
        if app is None:
            return None
        return {"ApplicationName": app.application_name,
                "ComputePlatform": app.compute_platform,
                "Tags": tag_list(b.tagger.list_tags_for_resource(
                    b._application_arn(self.name))["Tags"])}


@register
class DeploymentGroup(Resource):
    TYPE = "AWS::CodeDeploy::DeploymentGroup"
    NAME_PROPERTY = "DeploymentGroupName"
    NAME_MAX = 100
    PROPERTIES = {
        "ApplicationName": "", "DeploymentGroupName": "", "ServiceRoleArn": "",
        "DeploymentConfigName": "", "AlarmConfiguration": "checked when the alias shifts",
        "AutoRollbackConfiguration": "", "DeploymentStyle": "", "Tags": "",
    }
    REQUIRED = ("ApplicationName", "ServiceRoleArn")
    REPLACE_ON = frozenset({"ApplicationName"})
    REF = "deployment group name"
    READ_BACK = "GetDeploymentGroup (alarm configuration added to moto's answer)"

    def _fields(self) -> dict[str, Any]:
        p = self.props
        alarms = p.get("AlarmConfiguration")
        return {
            "deployment_config_name": p.get("DeploymentConfigName",
                                            "CodeDeployDefault.OneAtATime"),
            "service_role_arn": p["ServiceRoleArn"],
            "alarm_configuration": {
                "enabled": as_bool(alarms.get("Enabled", False)),
                "ignorePollAlarmFailure": as_bool(alarms.get("IgnorePollAlarmFailure", False)),
                "alarms": [{"name": a["Name"]} for a in alarms.get("Alarms", [])],
            } if alarms else None,
            "auto_rollback_configuration": {
                "enabled": as_bool(p["AutoRollbackConfiguration"].get("Enabled", False)),
                "events": p["AutoRollbackConfiguration"].get("Events", []),
            } if "AutoRollbackConfiguration" in p else None,
            "deployment_style": to_api(p["DeploymentStyle"]) if "DeploymentStyle" in p else None,
        }

    def create(self) -> None:
        f = self._fields()
        codedeploy(self.account_id, self.region).create_deployment_group(
            application_name=self.props["ApplicationName"], deployment_group_name=self.name,
            ec2_tag_filters=None, on_premises_instance_tag_filters=None, auto_scaling_groups=None,
            tags=self.props.get("Tags"), **f)

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        group = codedeploy(self.account_id, self.region).get_deployment_group(
            self.props["ApplicationName"], self.name)
        for attr, value in self._fields().items():
            setattr(group, attr, value if value is not None else (
                {} if attr in ("auto_rollback_configuration", "deployment_style") else None))

    def destroy(self) -> None:
        # moto has no DeleteDeploymentGroup.
        groups = codedeploy(self.account_id, self.region).deployment_groups
        groups.get(self.props["ApplicationName"], {}).pop(self.name, None)

    def actual(self) -> dict[str, Any] | None:
        groups = codedeploy(self.account_id, self.region).deployment_groups
        group = groups.get(self.props["ApplicationName"], {}).get(self.name)
        if group is None:
            return None
        alarms = cast(dict[str, Any], group.alarm_configuration or {})
        rollback = cast(dict[str, Any], group.auto_rollback_configuration or {})
        out: dict[str, Any] = {
            "ApplicationName": self.props["ApplicationName"], "DeploymentGroupName": self.name,
            "ServiceRoleArn": group.service_role_arn,
            "DeploymentConfigName": group.deployment_config_name,
            "AlarmConfiguration": {
                "Enabled": bool(alarms.get("enabled")),
                "IgnorePollAlarmFailure": bool(alarms.get("ignorePollAlarmFailure")),
                "Alarms": [{"Name": a["name"]} for a in alarms.get("alarms") or []]},
            "AutoRollbackConfiguration": {"Enabled": bool(rollback.get("enabled")),
                                          "Events": list(rollback.get("events") or [])},
        }
        style = cast(dict[str, Any], group.deployment_style or {})
        if style:
            out["DeploymentStyle"] = {"DeploymentType": style.get("deploymentType"),
                                      "DeploymentOption": style.get("deploymentOption")}
        return out


@carried_out_by("CodeDeployLambdaAliasUpdate")
def deploy_alias_shift(account_id: str, region: str, via: dict[str, Any], function: str,
                       alias: str, current: str, target: str) -> str | None:
    """What CloudFormation does for an alias under CodeDeployLambdaAliasUpdate: a CodeDeploy
    deployment that moves the alias (canary or linear, hooks, alarms: `releases`), waited for.
    A failed deployment fails the update, which CloudFormation then rolls back; an alias
    already where the update wants it (CodeDeploy rolled it back) needs no deployment."""
    from pitfalls.emulator.services.awslambda.model import lam
    from pitfalls.emulator.services.codedeploy.releases import start_deployment, wait_deployment

    app, group_name = via.get("ApplicationName"), via.get("DeploymentGroupName")
    if not app or not group_name:
        raise UnsupportedProperty("AWS::Lambda::Alias", "UpdatePolicy.CodeDeployLambdaAliasUpdate",
                                  "needs ApplicationName and DeploymentGroupName")
    now = lam(account_id, region).get_alias(alias, function)
    routing: dict[str, Any] = cast(dict[str, Any], now.routing_config or {})
    if str(now.function_version) == target and not routing.get("AdditionalVersionWeights"):
        return None
    appspec: dict[str, Any] = {"version": 0.0, "Resources": [{alias: {
        "Type": "AWS::Lambda::Function", "Properties": {
            "Name": function, "Alias": alias, "CurrentVersion": str(now.function_version),
            "TargetVersion": target}}}]}
    hooks = [{hook.removesuffix("Hook"): via[hook]}
             for hook in ("BeforeAllowTrafficHook", "AfterAllowTrafficHook") if via.get(hook)]
    if hooks:
        appspec["Hooks"] = hooks
    deployment_id = start_deployment(
        account_id, region, app, group_name,
        {"revisionType": "AppSpecContent", "appSpecContent": {"content": json.dumps(appspec)}},
        description=f"CloudFormation: {function}:{alias} {current} -> {target}",
        creator="CloudFormation")
    deployment = wait_deployment(account_id, region, deployment_id)
    if deployment.status != "Succeeded":
        error = getattr(deployment, "pitfalls_error", None) or {}
        raise InvalidProperty(f"CodeDeploy deployment {deployment_id} {deployment.status.lower()}"
                              f": {error.get('message', 'no reason given')}")
    return deployment_id
