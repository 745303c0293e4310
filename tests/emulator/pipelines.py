"""Helpers of the pipeline tests: a small world of resources, pipelines made through the
CodePipeline API, and bounded waits on what the local AWS runs in the background."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pitfalls.emulator.verify import Clients

DONE = {"Succeeded", "Failed", "Stopped", "Superseded", "Cancelled"}

# A Lambda invoke action's function. It answers its job through the CodePipeline API, as an SDK
# call would (a JSON request with the service in the credential scope; moto checks no signature).
JOB_FUNCTION = """
const call = async (op, body) => {
  const res = await fetch(process.env.AWS_ENDPOINT_URL, {method: "POST", body: JSON.stringify(body),
    headers: {"Content-Type": "application/x-amz-json-1.1",
              "X-Amz-Target": `CodePipeline_20150709.${op}`,
              "Authorization": `AWS4-HMAC-SHA256 Credential=${process.env.AWS_ACCESS_KEY_ID}/` +
                `20260101/${process.env.AWS_REGION}/codepipeline/aws4_request, ` +
                "SignedHeaders=host, Signature=0"}});
  if (!res.ok) throw new Error(`${op}: ${res.status} ${await res.text()}`);
};
exports.handler = async (event) => {
  const job = event["CodePipeline.job"];
  const params = JSON.parse(job.data.actionConfiguration.configuration.UserParameters || "{}");
  if (params.mode === "throw") throw new Error("the handler crashed");
  if (params.mode === "fail") {
    return call("PutJobFailureResult", {jobId: job.id, failureDetails: {
      type: "JobFailed", message: `smoke test failed: ${params.why}`}});
  }
  if (!job.data.continuationToken) {
    return call("PutJobSuccessResult", {jobId: job.id, continuationToken: "step-2"});
  }
  return call("PutJobSuccessResult", {jobId: job.id,
    executionDetails: {summary: `checked ${job.data.inputArtifacts[0].name}`},
    outputVariables: {Checked: job.data.continuationToken}});
};
"""

# Roles, a key, buckets, a CodeBuild project and a function, through the emulator's
# CloudFormation.
WORLD = {
    "Resources": {
        "PipelineRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "codepipeline.amazonaws.com"}}]}}},
        "DeployRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": ["cloudformation.amazonaws.com",
                                          "codebuild.amazonaws.com"]}}]}}},
        "FunctionRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"}}]}}},
        "JobFunction": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "nodejs24.x", "Handler": "index.handler", "Timeout": 30,
            "Code": {"ZipFile": JOB_FUNCTION},
            "Role": {"Fn::GetAtt": ["FunctionRole", "Arn"]}}},
        "Key": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True}},
        "Artifacts": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "Sources": {"Type": "AWS::S3::Bucket", "Properties": {
            "VersioningConfiguration": {"Status": "Enabled"}}},
        "Unversioned": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "Build": {"Type": "AWS::CodeBuild::Project", "Properties": {
            "Source": {"Type": "CODEPIPELINE", "BuildSpec": json.dumps({
                "version": "0.2", "env": {"exported-variables": ["GREETING"]},
                "phases": {"build": {"commands": ["export GREETING=hello-$V"]}}}, indent=2)},
            "Artifacts": {"Type": "CODEPIPELINE"},
            "Environment": {"Type": "LINUX_CONTAINER", "ComputeType": "BUILD_GENERAL1_SMALL",
                            "Image": "aws/codebuild/standard:7.0"},
            "ServiceRole": {"Fn::GetAtt": ["DeployRole", "Arn"]}}},
    },
    "Outputs": {k: {"Value": v} for k, v in {
        "PipelineRole": {"Fn::GetAtt": ["PipelineRole", "Arn"]},
        "DeployRole": {"Fn::GetAtt": ["DeployRole", "Arn"]},
        "Key": {"Fn::GetAtt": ["Key", "Arn"]},
        "Artifacts": {"Ref": "Artifacts"}, "Sources": {"Ref": "Sources"},
        "Unversioned": {"Ref": "Unversioned"}, "Build": {"Ref": "Build"},
        "JobFunction": {"Ref": "JobFunction"}}.items()},
}


@dataclass
class World:
    c: Clients
    names: dict[str, str]  # output -> value

    def __getitem__(self, key: str) -> str:
        return self.names[key]


def make_world(c: Clients, stack: str = "PipelineWorld") -> World:
    c.cloudformation.create_stack(StackName=stack, TemplateBody=json.dumps(WORLD),
                                  Capabilities=["CAPABILITY_IAM"])
    desc = c.cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    assert desc["StackStatus"] == "CREATE_COMPLETE", desc
    return World(c, {o["OutputKey"]: o["OutputValue"] for o in desc["Outputs"]})




def action(category: str, provider: str, name: str, run_order: int = 1,
           **kwargs: Any) -> dict[str, Any]:
    return {"name": name, "runOrder": run_order,
            "actionTypeId": {"category": category, "owner": "AWS", "provider": provider,
                             "version": "1"}, **kwargs}


def s3_source(world: World, key: str, poll: bool = False, bucket: str = "Sources",
              namespace: str = "SourceVariables") -> dict[str, Any]:
    return action("Source", "S3", "Source", configuration={
        "S3Bucket": world[bucket], "S3ObjectKey": key,
        "PollForSourceChanges": "true" if poll else "false"},
        outputArtifacts=[{"name": "Src"}], namespace=namespace)


def deploy(world: World, stack: str, template: str = "Src::app.json", name: str = "Deploy",
           run_order: int = 1, inputs: tuple[str, ...] = ("Src",), **config: str
           ) -> dict[str, Any]:
    return action("Deploy", "CloudFormation", name, run_order, configuration={
        "ActionMode": "CREATE_UPDATE", "StackName": stack, "TemplatePath": template,
        "RoleArn": world["DeployRole"], **config},
        inputArtifacts=[{"name": i} for i in inputs])


def approval(name: str, run_order: int = 1) -> dict[str, Any]:
    return action("Approval", "Manual", name, run_order)


def make_pipeline(world: World, name: str, stages: list[tuple[str, list[dict[str, Any]]]],
                  **extra: Any) -> str:
    """Create a pipeline (V2 unless said); CreatePipeline starts its first execution."""
    world.c.codepipeline.create_pipeline(pipeline={
        "name": name, "roleArn": world["PipelineRole"], "pipelineType": "V2",
        "artifactStore": {"type": "S3", "location": world["Artifacts"],
                          "encryptionKey": {"id": world["Key"], "type": "KMS"}},
        "stages": [{"name": n.rstrip("!"), "actions": a, **({"onFailure": {"result": "ROLLBACK"}}
                                                 if n.endswith("!") else {})}
                   for n, a in stages], **extra})
    return name


def stage(name: str, *actions: dict[str, Any], rollback: bool = False
          ) -> tuple[str, list[dict[str, Any]]]:
    return (name + ("!" if rollback else ""), list(actions))


def wait_for(what: str, check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """`check()`'s first truthy answer; fails the test, naming `what`, after `timeout` s."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def executions(c: Clients, pipeline: str) -> list[dict[str, Any]]:
    """Newest first."""
    return list(c.codepipeline.list_pipeline_executions(pipelineName=pipeline)[
        "pipelineExecutionSummaries"])


def finished(c: Clients, pipeline: str, execution_id: str, timeout: float = 20.0
             ) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        got = c.codepipeline.get_pipeline_execution(pipelineName=pipeline,
                                                    pipelineExecutionId=execution_id)
        ex = got["pipelineExecution"]
        return ex if ex["status"] in DONE else None

    return dict(wait_for(f"execution {execution_id} of {pipeline}", done, timeout))


def latest_finished(c: Clients, pipeline: str, count: int = 1, timeout: float = 20.0
                    ) -> dict[str, Any]:
    """The newest execution, once there are `count` of them and it has ended."""
    newest = wait_for(f"{count} execution(s) of {pipeline}",
                      lambda: (executions(c, pipeline) if len(executions(c, pipeline)) >= count
                               else None), timeout)[0]
    return finished(c, pipeline, newest["pipelineExecutionId"], timeout)


def actions_of(c: Clients, pipeline: str, execution_id: str) -> dict[str, dict[str, Any]]:
    """stage/action -> ActionExecutionDetail, for one execution."""
    details = c.codepipeline.list_action_executions(
        pipelineName=pipeline, filter={"pipelineExecutionId": execution_id})[
        "actionExecutionDetails"]
    return {f"{d['stageName']}/{d['actionName']}": d for d in details}


def stage_states(c: Clients, pipeline: str) -> dict[str, dict[str, Any]]:
    return {s["stageName"]: s for s in c.codepipeline.get_pipeline_state(name=pipeline)[
        "stageStates"]}


def queue(c: Clients, name: str) -> tuple[str, str]:
    url = c.sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = c.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    return url, arn


def drain(c: Clients, url: str, settle: float = 0.5) -> list[dict[str, Any]]:
    """Every message now in the queue (bodies as JSON), removed from it."""
    found: list[dict[str, Any]] = []
    time.sleep(settle)
    while True:
        got = c.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return found
        for m in got:
            found.append(json.loads(m["Body"]))
            c.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
