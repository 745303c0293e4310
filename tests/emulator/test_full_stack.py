"""The full stack through the real CDK CLI: deploy, read back, notify, update, read back, destroy.

The fixtures build on each other (deployed -> updated -> destroyed), so each test can also run
alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pitfalls.emulator.verify import resource_exists, stack_resources, verify_stack

from .conftest import Emulator, Run

STACK = "PitfallsFull"


def _status(emulator: Emulator) -> str:
    return str(emulator.clients.cloudformation.describe_stacks(StackName=STACK)["Stacks"][0][
        "StackStatus"])


def _physical(emulator: Emulator, logical_prefix: str) -> str:
    found = [p for lid, (_t, p) in stack_resources(emulator.clients, STACK).items()
             if lid.startswith(logical_prefix)]
    assert len(found) == 1, (logical_prefix, found)
    return found[0]


@pytest.fixture(scope="module")
def deployed(emulator: Emulator, assemblies: dict[str, Path]) -> Run:
    run = emulator.deploy(assemblies["v1"])
    assert run.code == 0, run.text[-3000:]
    return run


@pytest.fixture(scope="module")
def updated(emulator: Emulator, assemblies: dict[str, Path], deployed: Run) -> dict[str, Any]:
    before = {
        "subscriptions": _subscriptions(emulator),
        "alias_version": _alias_version(emulator),
        "topic": _physical(emulator, "Alerts9"),
    }
    run = emulator.deploy(assemblies["v2"])
    assert run.code == 0, run.text[-3000:]
    return {"run": run, **before}


@pytest.fixture(scope="module")
def destroyed(emulator: Emulator, assemblies: dict[str, Path], updated: dict[str, Any]
              ) -> dict[str, Any]:
    template = emulator.template(assemblies["v2"], STACK)
    resources = stack_resources(emulator.clients, STACK)
    run = emulator.cdk("destroy", "--app", str(assemblies["v2"]), "--all", "--force")
    assert run.code == 0, run.text[-3000:]
    return {"template": template, "resources": resources}


def _subscriptions(emulator: Emulator) -> list[str]:
    topic = _physical(emulator, "Alerts9")
    subs = emulator.clients.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    return sorted(s["SubscriptionArn"] for s in subs)


def _alias_version(emulator: Emulator) -> str:
    fn = _physical(emulator, "AppFunction0")
    return str(emulator.clients.awslambda.get_alias(FunctionName=fn, Name="live")[
        "FunctionVersion"])


def test_deploy_creates_every_resource_as_the_template_says(
        emulator: Emulator, assemblies: dict[str, Path], deployed: Run) -> None:
    assert "✅" in deployed.text
    assert _status(emulator) == "CREATE_COMPLETE"
    template = emulator.template(assemblies["v1"], STACK)
    report = verify_stack(emulator.endpoint, STACK, template)
    assert report.problems == []
    assert set(report.checked) == set(template["Resources"])
    types = set(report.checked.values())
    assert len(types) >= 25, sorted(types)


def test_failure_event_reaches_the_queue_exactly_once(emulator: Emulator, deployed: Run
                                                      ) -> None:
    c = emulator.clients
    pipeline = _physical(emulator, "DeliveryPipelineE")
    queue = _physical(emulator, "AlertsQueue4")
    failed = {"Source": "aws.codepipeline",
              "DetailType": "CodePipeline Pipeline Execution State Change",
              "Detail": json.dumps({"pipeline": pipeline, "execution-id": "exec-1",
                                    "state": "FAILED", "version": 1})}
    succeeded = {**failed, "Detail": json.dumps({"pipeline": pipeline, "state": "SUCCEEDED"})}
    other = {**failed, "Detail": json.dumps({"pipeline": "another-pipeline", "state": "FAILED"})}
    assert c.events.put_events(Entries=[failed, succeeded, other])["FailedEntryCount"] == 0
    messages = c.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                     WaitTimeSeconds=1).get("Messages", [])
    assert len(messages) == 1
    envelope = json.loads(messages[0]["Body"])
    assert envelope["Message"] == f"Pipeline {pipeline} failed (execution exec-1)"
    c.sqs.delete_message(QueueUrl=queue, ReceiptHandle=messages[0]["ReceiptHandle"])
    assert c.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages",
                                                                              []) == []


def test_update_applies_every_change(emulator: Emulator, assemblies: dict[str, Path],
                                     updated: dict[str, Any]) -> None:
    c = emulator.clients
    assert _status(emulator) == "UPDATE_COMPLETE"
    template = emulator.template(assemblies["v2"], STACK)
    report = verify_stack(emulator.endpoint, STACK, template)
    assert report.problems == []
    # A new version, and the alias moved to it through a CodeDeploy deployment.
    new_version = _alias_version(emulator)
    assert int(new_version) == int(updated["alias_version"]) + 1
    deployments = c.codedeploy.list_deployments(
        applicationName=_physical(emulator, "CanaryApplication"),
        deploymentGroupName=_physical(emulator, "Canary1"))["deployments"]
    assert len(deployments) == 1
    info = c.codedeploy.get_deployment(deploymentId=deployments[0])["deploymentInfo"]
    assert info["status"] == "Succeeded"
    # Lifecycle, retention and tags changed in place.
    bucket = _physical(emulator, "SourceBucket6")
    rules = c.s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rules[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 60
    logs = c.logs.describe_log_groups(logGroupNamePrefix=_physical(emulator, "AppLogs"))
    assert logs["logGroups"][0]["retentionInDays"] == 90
    assert {"Key": "Owner", "Value": "platform-team"} in c.s3.get_bucket_tagging(
        Bucket=bucket)["TagSet"]
    # The topic was updated, not replaced: same ARN, same subscriptions.
    assert _physical(emulator, "Alerts9") == updated["topic"]
    assert _subscriptions(emulator) == updated["subscriptions"]
    attrs = c.sns.get_topic_attributes(TopicArn=updated["topic"])["Attributes"]
    assert attrs["DisplayName"] == "Pipeline alerts (v2)"


def test_destroy_leaves_only_retained_resources(emulator: Emulator,
                                                destroyed: dict[str, Any]) -> None:
    c = emulator.clients
    stacks = c.cloudformation.list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in stacks if s["StackName"] == STACK] == ["DELETE_COMPLETE"]
    template, left = destroyed["template"], []
    for logical, (rtype, physical) in destroyed["resources"].items():
        body = template["Resources"][logical]
        retained = body.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate")
        props = _props_for_existence(body, destroyed["resources"])
        exists = resource_exists(c, rtype, physical, props)
        if exists != retained:
            left.append(f"{logical} ({rtype}) exists={exists} retained={retained}")
    assert left == []


def _props_for_existence(body: dict[str, Any], resources: dict[str, tuple[str, str]]
                         ) -> dict[str, Any]:
    """The few properties an existence check needs, with Refs replaced by physical ids."""
    def resolve(v: Any) -> Any:
        if isinstance(v, dict) and set(v) == {"Ref"} and v["Ref"] in resources:
            return resources[v["Ref"]][1]
        if isinstance(v, dict):
            return {k: resolve(x) for k, x in v.items()}
        if isinstance(v, list):
            return [resolve(x) for x in v]
        return v

    return resolve(body.get("Properties", {}))
