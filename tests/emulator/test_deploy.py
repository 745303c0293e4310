"""Stacks through the emulator, in one file so that one emulator (and one synth) serves them all,
also under pytest-xdist's --dist loadfile.

1. The full stack through the real CDK CLI: deploy, read back, notify, update, read back, destroy.
   The fixtures build on each other (deployed -> updated -> destroyed), so each test can also run
   alone.
2. Strict by default: what the emulator does not support, or cannot do, fails the stack visibly.
   Two cases go through the real CDK CLI; the others drive CloudFormation's change sets directly
   with boto3 (what the CLI does), which keeps them fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pitfalls.emulator.deploy import deploy_local
from pitfalls.emulator.verify import (
    props_for_existence,
    resource_exists,
    stack_resources,
    verify_stack,
)

from .conftest import Emulator, Run, destroy_mismatches
from .pipelines import drain, finished, latest_finished, stage_states

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
    """v1 through `python -m pitfalls deploy`'s code: finds the running emulator, sees it is
    bootstrapped, runs cdk deploy."""
    run = Run(0)
    run.code = deploy_local(assemblies["v1"], state_dir=emulator.state_dir, say=run.lines.append)
    assert run.code == 0, run.text[-3000:]
    assert run.lines[0] == f"Using the local AWS at {emulator.endpoint}"
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


def test_pipeline_failure_reaches_the_queue_through_both_rules(emulator: Emulator,
                                                                deployed: Run) -> None:
    """A new pipeline starts an execution at once (CreatePipeline trigger,
    https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-about-starting.html);
    with nothing in the source bucket it fails at Source. Once the stack is up, the next failure
    reaches the topic's SQS subscriber through the stack's own rule and through its notification
    rule (https://docs.aws.amazon.com/dtconsole/latest/userguide/concepts.html), once each."""
    c = emulator.clients
    pipeline = _physical(emulator, "DeliveryPipelineE")
    queue = _physical(emulator, "AlertsQueue4")
    first = latest_finished(c, pipeline)
    assert (first["status"], first["trigger"]["triggerType"]) == ("Failed", "CreatePipeline")
    drain(c, queue)  # its alerts raced the creation of the rules, as they would in AWS
    run = c.codepipeline.start_pipeline_execution(name=pipeline)["pipelineExecutionId"]
    assert finished(c, pipeline, run)["status"] == "Failed"
    source = stage_states(c, pipeline)["Source"]
    assert source["latestExecution"] == {"pipelineExecutionId": run, "status": "Failed",
                                         "type": "STANDARD"}
    assert "does not exist in bucket" in source["actionStates"][0]["latestExecution"]["summary"]
    messages = [m["Message"] for m in drain(c, queue)]
    notices = [json.loads(m) for m in messages if m.startswith("{")]
    assert [m for m in messages if not m.startswith("{")] == [
        f"Pipeline {pipeline} failed (execution {run})"]
    assert [(n["detailType"], n["detail"]["state"], n["detail"]["execution-id"],
             n["additionalAttributes"]["failedStage"]) for n in notices] == [
        ("CodePipeline Pipeline Execution State Change", "FAILED", run, "Source")]
    assert notices[0]["notificationRuleArn"].startswith("arn:aws:codestar-notifications:")


def test_failure_event_reaches_the_queue_exactly_once(emulator: Emulator, deployed: Run
                                                      ) -> None:
    c = emulator.clients
    pipeline = _physical(emulator, "DeliveryPipelineE")
    queue = _physical(emulator, "AlertsQueue4")
    latest_finished(c, pipeline)  # the execution CreatePipeline started, and its alerts
    drain(c, queue)
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
    assert destroy_mismatches(c, destroyed)[0] == []


# --- strict by default ----------------------------------------------------------------------------


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


_LAMBDA_ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                            "Principal": {"Service": "lambda.amazonaws.com"}}]}}}


@pytest.mark.parametrize(("resources", "in_reason"), [
    ({"Named": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "pitfalls-taken-name"}}},
     "BucketAlreadyExists"),
    ({"Role": _LAMBDA_ROLE, "Named": {"Type": "AWS::Lambda::Function", "Properties": {
        "FunctionName": "pitfalls-taken-name", "Runtime": "nodejs22.x", "Handler": "index.handler",
        "Code": {"ZipFile": "exports.handler = async () => 1;"},
        "Role": {"Fn::GetAtt": ["Role", "Arn"]}}}},
     "ResourceConflictException: Function already exist: pitfalls-taken-name"),
], ids=["bucket", "function"])
def test_a_second_stack_cannot_claim_a_taken_physical_name(
        emulator: Emulator, resources: dict[str, Any], in_reason: str,
        request: pytest.FixtureRequest) -> None:
    """As in AWS: bucket names are global, function names unique per account and region; the
    second stack fails and rolls back without touching the first stack's resource."""
    first, second = (f"Taken-{request.node.callspec.id}-{n}" for n in ("a", "b"))
    _execute(emulator, first, {"Resources": resources})
    assert _stack(emulator, first)["StackStatus"] == "CREATE_COMPLETE"
    owned = emulator.clients.cloudformation.describe_stack_resource(
        StackName=first, LogicalResourceId="Named")["StackResourceDetail"]["PhysicalResourceId"]
    _execute(emulator, second, {"Resources": resources})
    assert _stack(emulator, second)["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = _failed(emulator, second)
    assert [(lid, st) for lid, st, _ in failed] == [("Named", "CREATE_FAILED")]
    assert in_reason in failed[0][2]
    assert resource_exists(emulator.clients, resources["Named"]["Type"], owned,
                           props_for_existence(resources["Named"], {}))
    emulator.clients.cloudformation.delete_stack(StackName=first)


# --- parameters on update ----------------------------------------------------------------

def test_use_previous_value_of_an_ssm_parameter(emulator: Emulator) -> None:
    c = emulator.clients
    version = c.ssm.get_parameter(Name="/cdk-bootstrap/hnb659fds/version")["Parameter"]["Value"]
    params = {"Version": {"Type": "AWS::SSM::Parameter::Value<String>",
                          "Default": "/cdk-bootstrap/hnb659fds/version"}}

    def template(description: str) -> dict[str, Any]:
        return {"Parameters": params, "Resources": {"Copy": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Type": "String", "Value": {"Ref": "Version"},
                           "Description": description}}}}

    cfn = c.cloudformation
    _execute(emulator, "PreviousValue", template("first"))
    cs = cfn.create_change_set(
        StackName="PreviousValue", ChangeSetName="second", ChangeSetType="UPDATE",
        TemplateBody=json.dumps(template("second")),
        Parameters=[{"ParameterKey": "Version", "UsePreviousValue": True}])
    cfn.execute_change_set(ChangeSetName=cs["Id"], StackName="PreviousValue")
    stack = _stack(emulator, "PreviousValue")
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert stack["Parameters"] == [{"ParameterKey": "Version",
                                    "ParameterValue": "/cdk-bootstrap/hnb659fds/version",
                                    "ResolvedValue": version}]
    name = cfn.describe_stack_resource(StackName="PreviousValue", LogicalResourceId="Copy")[
        "StackResourceDetail"]["PhysicalResourceId"]
    assert c.ssm.get_parameter(Name=name)["Parameter"]["Value"] == version


def test_bootstrap_again_with_other_parameters_updates_the_toolkit_stack(
        emulator: Emulator) -> None:
    run = emulator.cdk("bootstrap", "aws://123456789012/us-east-1", "--trust", "111111111111",
                       "--cloudformation-execution-policies",
                       "arn:aws:iam::aws:policy/AdministratorAccess")
    assert run.code == 0, run.text[-2000:]
    again = emulator.cdk("bootstrap", "aws://123456789012/us-east-1", "--trust",
                         "222222222222")  # the other parameters: their previous values
    assert again.code == 0, again.text[-2000:]
    stack = _stack(emulator, "CDKToolkit")
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    values = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert values["TrustedAccounts"] == "222222222222"
    assert values["CloudFormationExecutionPolicies"] == \
        "arn:aws:iam::aws:policy/AdministratorAccess"


def test_fifo_topics_and_queues_get_names_that_end_in_fifo() -> None:
    from pitfalls.emulator.services.sns.model import TopicModel as Topic
    from pitfalls.emulator.services.sqs.model import Queue

    stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/S/abc"
    for cls, prop, limit in ((Topic, "FifoTopic", 256), (Queue, "FifoQueue", 80)):
        fifo = cls._name_for({prop: True}, stack, "L" * 300)
        assert fifo.endswith(".fifo") and len(fifo) == limit
        assert not cls._name_for({prop: "false"}, stack, "Logical").endswith(".fifo")
        assert cls._name_for({prop: "true", cls.NAME_PROPERTY: "given"}, stack, "L") == "given.fifo"
