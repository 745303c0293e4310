"""Strict by default: what the emulator does not support, or cannot do, fails the stack, visibly.

Two cases go through the real CDK CLI; the others drive CloudFormation's change sets directly
with boto3 (what the CLI does), which keeps them fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import Emulator


def _stack(emulator: Emulator, name: str) -> dict[str, Any]:
    return dict(emulator.clients.cloudformation.describe_stacks(StackName=name)["Stacks"][0])


def _events(emulator: Emulator, name: str) -> list[dict[str, Any]]:
    return list(emulator.clients.cloudformation.describe_stack_events(StackName=name)[
        "StackEvents"])


def _failed(emulator: Emulator, name: str) -> list[tuple[str, str, str]]:
    return [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
            for e in _events(emulator, name) if e["ResourceStatus"].endswith("_FAILED")
            and e["ResourceType"] != "AWS::CloudFormation::Stack"]


def _execute(emulator: Emulator, stack: str, template: dict[str, Any], *,
             kind: str = "CREATE", disable_rollback: bool = False) -> str:
    cfn = emulator.clients.cloudformation
    cs = cfn.create_change_set(StackName=stack, ChangeSetName="cs", ChangeSetType=kind,
                               TemplateBody=json.dumps(template))
    cfn.execute_change_set(ChangeSetName=cs["Id"], StackName=stack,
                           DisableRollback=disable_rollback)
    return str(cs["Id"])


def test_unsupported_type_fails_the_deploy(emulator: Emulator, assemblies: dict[str, Path]
                                           ) -> None:
    run = emulator.deploy(assemblies["bad_type"])
    assert run.code != 0
    assert "Unsupported resource type AWS::EC2::VPC" in run.text
    assert "✅" not in run.text
    assert _stack(emulator, "PitfallsBadType")["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = _failed(emulator, "PitfallsBadType")
    assert [(lid, status) for lid, status, _ in failed] == [("Network", "CREATE_FAILED")]
    assert "AWS::EC2::VPC" in failed[0][2]
    # The bucket created before the failure was rolled back.
    buckets = emulator.clients.s3.list_buckets()["Buckets"]
    assert not [b for b in buckets if b["Name"].startswith("pitfallsbadtype-first")]


def test_unsupported_property_fails_the_deploy(emulator: Emulator,
                                               assemblies: dict[str, Path]) -> None:
    run = emulator.deploy(assemblies["bad_property"])
    assert run.code != 0
    assert "Unsupported property RedriveAllowPolicy of AWS::SQS::Queue" in run.text
    assert _stack(emulator, "PitfallsBadProperty")["StackStatus"] == "ROLLBACK_COMPLETE"
    topics = emulator.clients.sns.list_topics()["Topics"]
    assert not [t for t in topics if "PitfallsBadProperty" in t["TopicArn"]]


def test_without_rollback_a_failed_create_stays_create_failed(emulator: Emulator) -> None:
    template = {"Resources": {
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Odd": {"Type": "AWS::Foo::Bar", "DependsOn": "Queue"},
    }}
    _execute(emulator, "NoRollback", template, disable_rollback=True)
    stack = _stack(emulator, "NoRollback")
    assert stack["StackStatus"] == "CREATE_FAILED"
    assert [(lid, st) for lid, st, _ in _failed(emulator, "NoRollback")] == [
        ("Odd", "CREATE_FAILED")]
    # As in CloudFormation, what was created stays for inspection.
    queues = emulator.clients.sqs.list_queues(QueueNamePrefix="NoRollback-Queue")
    assert len(queues.get("QueueUrls", [])) == 1


@pytest.mark.parametrize(("resource", "in_reason"), [
    ({"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]},
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"]}},
     "NoSuchPolicyAnywhere"),
    ({"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": "a month"}},
     "ValueError"),
], ids=["service-error", "python-error"])
def test_a_model_error_fails_the_stack_and_retrying_does_not_succeed(
        emulator: Emulator, resource: dict[str, Any], in_reason: str,
        request: pytest.FixtureRequest) -> None:
    stack = f"ModelError-{request.node.callspec.id}"
    template = {"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {
        "Tags": [{"Key": "k", "Value": "v"}]}}, "Broken": {**resource, "DependsOn": "Key"}}}
    change_set = _execute(emulator, stack, template)
    assert _stack(emulator, stack)["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = _failed(emulator, stack)
    assert [(lid, st) for lid, st, _ in failed] == [("Broken", "CREATE_FAILED")]
    assert in_reason in failed[0][2]
    # An SDK retry of ExecuteChangeSet must not turn the failure into a success.
    with pytest.raises(ClientError):
        emulator.clients.cloudformation.execute_change_set(ChangeSetName=change_set,
                                                           StackName=stack)
    assert _stack(emulator, stack)["StackStatus"] == "ROLLBACK_COMPLETE"


def test_a_failed_update_rolls_back_to_the_previous_state(emulator: Emulator) -> None:
    c = emulator.clients
    before = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue",
                                      "Properties": {"VisibilityTimeout": 30}}}}
    _execute(emulator, "UpdateRollback", before)
    after = {"Resources": {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60}},
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Odd": {"Type": "AWS::Foo::Bar", "DependsOn": ["Queue", "Topic"]},
    }}
    _execute(emulator, "UpdateRollback", after, kind="UPDATE")
    assert _stack(emulator, "UpdateRollback")["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    url = c.cloudformation.describe_stack_resource(
        StackName="UpdateRollback", LogicalResourceId="Queue")["StackResourceDetail"][
        "PhysicalResourceId"]
    attrs = c.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attrs["Attributes"]["VisibilityTimeout"] == "30"
    assert not [t for t in c.sns.list_topics()["Topics"] if "UpdateRollback" in t["TopicArn"]]


def test_a_failed_delete_leaves_the_stack_delete_failed(emulator: Emulator) -> None:
    c = emulator.clients
    _execute(emulator, "DeleteFails", {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}})
    bucket = c.cloudformation.describe_stack_resource(
        StackName="DeleteFails", LogicalResourceId="Bucket")["StackResourceDetail"][
        "PhysicalResourceId"]
    c.s3.put_object(Bucket=bucket, Key="left-behind", Body=b"x")
    c.cloudformation.delete_stack(StackName="DeleteFails")
    assert _stack(emulator, "DeleteFails")["StackStatus"] == "DELETE_FAILED"
    assert "not empty" in _failed(emulator, "DeleteFails")[0][2]
    c.s3.delete_object(Bucket=bucket, Key="left-behind")
    c.cloudformation.delete_stack(StackName="DeleteFails")
    statuses = [s["StackStatus"] for s in c.cloudformation.list_stacks()["StackSummaries"]
                if s["StackName"] == "DeleteFails"]
    assert statuses == ["DELETE_COMPLETE"]
