"""CodeDeploy releases run on the local AWS: traffic shifts on the compressed clock, hooks are
invoked and waited for, alarms stop a release and it rolls back.

Each test names the AWS documentation page the behaviour follows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pitfalls.emulator import process
from pitfalls.emulator.verify import Clients
from tests.emulator.runtime_kit import function, invoke, role, wait_for, zipped

GOOD = "export const handler = async () => ({ ok: true });"
BAD = "export const handler = async () => { throw new Error('release 2 is broken'); };"
# A hook as the course writes it: CommonJS, the AWS SDK v3 the nodejs24.x runtime ships.
HOOK = """
const { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } =
  require("@aws-sdk/client-codedeploy");
exports.handler = async (event) => {
  console.log("hook event", JSON.stringify(event));
  await new CodeDeployClient({}).send(new PutLifecycleEventHookExecutionStatusCommand({
    deploymentId: event.DeploymentId,
    lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
    status: process.env.VERDICT,
  }));
};
"""


def _hook(c: Clients, name: str, verdict: str) -> str:
    c.awslambda.create_function(
        FunctionName=name, Runtime="nodejs24.x", Role=role(c), Handler="index.handler",
        Code={"ZipFile": zipped({"index.js": HOOK})}, Timeout=10,
        Environment={"Variables": {"VERDICT": verdict}})
    return name


def _release(c: Clients, name: str, *, config: str, alarms: list[str] | None = None,
             rollback: list[str] | None = None, bad: bool = False) -> None:
    """Function `name` with versions 1 (good) and 2, alias live on 1, app and group `name`."""
    function(c, name, GOOD, publish=True)
    c.awslambda.update_function_code(FunctionName=name, ZipFile=zipped(
        {"index.mjs": BAD if bad else GOOD.replace("true", "'v2'")}))
    c.awslambda.publish_version(FunctionName=name)
    c.awslambda.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    c.codedeploy.create_application(applicationName=name, computePlatform="Lambda")
    group: dict[str, Any] = {
        "applicationName": name, "deploymentGroupName": name, "serviceRoleArn": role(c),
        "deploymentConfigName": config,
        "deploymentStyle": {"deploymentType": "BLUE_GREEN",
                            "deploymentOption": "WITH_TRAFFIC_CONTROL"}}
    if alarms:
        group["alarmConfiguration"] = {"enabled": True, "alarms": [{"name": a} for a in alarms]}
    if rollback:
        group["autoRollbackConfiguration"] = {"enabled": True, "events": rollback}
    c.codedeploy.create_deployment_group(**group)


def _deploy(c: Clients, name: str, hooks: dict[str, str] | None = None) -> str:
    appspec: dict[str, Any] = {"version": 0.0, "Resources": [{"fn": {
        "Type": "AWS::Lambda::Function", "Properties": {
            "Name": name, "Alias": "live", "CurrentVersion": "1", "TargetVersion": "2"}}}]}
    if hooks:
        appspec["Hooks"] = [{event: fn} for event, fn in hooks.items()]
    return str(c.codedeploy.create_deployment(
        applicationName=name, deploymentGroupName=name,
        revision={"revisionType": "AppSpecContent",
                  "appSpecContent": {"content": json.dumps(appspec)}})["deploymentId"])


def _finished(c: Clients, deployment_id: str, timeout: float = 15) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        info = c.codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        return info if info["status"] in ("Succeeded", "Failed", "Stopped") else None
    return dict(wait_for(done, timeout, f"deployment {deployment_id} finishing", every=0.1))


def _alias(c: Clients, name: str) -> dict[str, Any]:
    return dict(c.awslambda.get_alias(FunctionName=name, Name="live"))


def test_a_canary_shows_its_routing_mid_shift_and_completes(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
    (LambdaCanary10Percent5Minutes: 10 % for 5 minutes, then all; 5 s on the compressed clock)
    and https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html."""
    c = runtime_aws
    _release(c, "cd-canary", config="CodeDeployDefault.LambdaCanary10Percent5Minutes")
    started = time.monotonic()
    deployment_id = _deploy(c, "cd-canary")
    mid = wait_for(lambda: _alias(c, "cd-canary").get("RoutingConfig"), 3, "the canary shift")
    assert mid == {"AdditionalVersionWeights": {"2": 0.1}}
    assert _alias(c, "cd-canary")["FunctionVersion"] == "1"
    assert c.codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"][
        "status"] == "InProgress"
    info = _finished(c, deployment_id)
    assert info["status"] == "Succeeded"
    assert 4.5 <= time.monotonic() - started < 9
    final = _alias(c, "cd-canary")
    assert final["FunctionVersion"] == "2" and not final.get("RoutingConfig")


def test_a_hook_that_reports_failed_fails_the_deployment_and_the_alias_stays(
        runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-lambda
    (BeforeAllowTraffic runs before any traffic moves; its hook is invoked with DeploymentId and
    LifecycleEventHookExecutionId and answers with PutLifecycleEventHookExecutionStatus)."""
    c = runtime_aws
    _release(c, "cd-hook", config="CodeDeployDefault.LambdaAllAtOnce",
             rollback=["DEPLOYMENT_FAILURE"])
    hook = _hook(c, "cd-hook-check", "Failed")
    info = _finished(c, _deploy(c, "cd-hook", {"BeforeAllowTraffic": hook}))
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    assert "BeforeAllowTraffic" in info["errorInformation"]["message"]
    assert _alias(c, "cd-hook")["FunctionVersion"] == "1"
    stream = c.logs.describe_log_streams(logGroupName="/aws/lambda/cd-hook-check")["logStreams"]
    assert stream  # the hook really ran

    passing = _hook(c, "cd-hook-pass", "Succeeded")
    again = _finished(c, _deploy(c, "cd-hook", {"BeforeAllowTraffic": passing,
                                                "AfterAllowTraffic": passing}))
    assert again["status"] == "Succeeded"
    assert _alias(c, "cd-hook")["FunctionVersion"] == "2"


def test_an_alarm_fired_by_failing_canary_invocations_rolls_back(runtime_aws: Clients) -> None:
    """https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-create-alarms.html and
    https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html
    (an alarm in ALARM stops the deployment; DEPLOYMENT_STOP_ON_ALARM rolls it back). The alarm
    watches the new version (ExecutedVersion, https://docs.aws.amazon.com/lambda/latest/dg/
    monitoring-metrics.html) and fires from real invocations of the alias during the canary."""
    c = runtime_aws
    c.cloudwatch.put_metric_alarm(
        AlarmName="cd-alarm-v2-errors", Namespace="AWS/Lambda", MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": "cd-alarm"},
                    {"Name": "Resource", "Value": "cd-alarm:live"},
                    {"Name": "ExecutedVersion", "Value": "2"}],
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching")
    _release(c, "cd-alarm", config="CodeDeployDefault.LambdaCanary10Percent30Minutes",
             alarms=["cd-alarm-v2-errors"], rollback=["DEPLOYMENT_STOP_ON_ALARM"], bad=True)
    deployment_id = _deploy(c, "cd-alarm")
    wait_for(lambda: _alias(c, "cd-alarm").get("RoutingConfig"), 3, "the canary shift")
    errors = 0
    for _ in range(60):  # users of the alias: about one in ten reaches version 2
        _, response = invoke(c, "cd-alarm", {}, Qualifier="live")
        errors += "FunctionError" in response
        if errors >= 2:
            break
    assert errors >= 1
    info = _finished(c, deployment_id, timeout=10)
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert "cd-alarm-v2-errors" in info["errorInformation"]["message"]
    rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]
    rollback = c.codedeploy.get_deployment(deploymentId=rollback_id)["deploymentInfo"]
    assert rollback["creator"] == "codeDeployRollback" and rollback["status"] == "Succeeded"
    assert rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"] == deployment_id
    alias = _alias(c, "cd-alarm")
    assert alias["FunctionVersion"] == "1" and not alias.get("RoutingConfig")


@pytest.fixture(scope="module")
def hour_per_second(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clients]:
    """An emulator whose clock runs an hour per second, so a hook's one-hour wait takes 1 s."""
    state: Path = tmp_path_factory.mktemp("hour-per-second")
    with process.running(state_dir=state, clock=3600) as endpoint:
        yield Clients(endpoint)


def test_a_hook_that_never_answers_fails_the_deployment_saying_so(
        hour_per_second: Clients) -> None:
    """https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-lambda:
    the deployment waits for the hook's PutLifecycleEventHookExecutionStatus; one that never
    comes fails it (after one hour, on the emulator's clock) instead of hanging."""
    c = hour_per_second
    _release(c, "cd-silent", config="CodeDeployDefault.LambdaAllAtOnce")
    function(c, "cd-silent-hook", "export const handler = async () => 'forgot to answer';")
    info = _finished(c, _deploy(c, "cd-silent", {"BeforeAllowTraffic": "cd-silent-hook"}),
                     timeout=8)
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "TIMEOUT"
    assert "never answered" in info["errorInformation"]["message"]
    assert _alias(c, "cd-silent")["FunctionVersion"] == "1"
