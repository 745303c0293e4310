"""The course's two stacks on the local AWS: the pipeline stack deployed once with the real CDK
CLI, the application stack only ever deployed by the pipeline, through CloudFormation.

What `python -m pitfalls deploy --parameters NotificationEmail=...` does (the pipeline's stack),
read back resource by resource; an upload released by the pipeline, after which the function's
code, versions and alias agree with what CloudFormation says it deployed (read back, and no drift
in CloudFormation's own drift detection); a hand change reported as drift; a failing unit test
stopped at the Test stage with its alert delivered by the stack's own rule; then `cdk destroy`.
The module has its own emulator, so under `--dist loadfile` it runs beside the other modules.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pitfalls.emulator import process
from pitfalls.emulator.deploy import deploy_local, local_env, run_cli
from pitfalls.emulator.verify import Clients, stack_resources, verify_stack
from pitfalls.evidence.local_aws import LocalAWS
from pitfalls.evidence.pipelineview import ExecutionView, Pipeline
from pitfalls.evidence.readback import taught_properties
from pitfalls.evidence.release import SourceTree

from .conftest import ROOT, destroy_mismatches
from .pipelines import drain, queue

STACK = "PipelinePitfalls-dev"  # app.py's pipeline stack for cdk.json's stage
APP = "PipelinePitfalls-dev-App"  # the application stack the pipeline deploys
FUNCTION = "pipeline-pitfalls-dev-app"
EMAIL = "team@example.com"


@dataclass
class Deployed:
    endpoint: str
    state: Path
    assembly: Path
    clients: Clients
    lines: list[str] = field(default_factory=list)

    def physical(self, logical_prefix: str, type: str, stack: str = STACK) -> str:
        found = [p for lid, (t, p) in stack_resources(self.clients, stack).items()
                 if lid.startswith(logical_prefix) and t == type]
        assert len(found) == 1, (logical_prefix, found)
        return found[0]


class _Aws(LocalAWS):
    """LocalAWS over this module's emulator (the Pipeline helper reads through it)."""

    def __init__(self, d: Deployed) -> None:  # no emulator of its own: this module's
        self.work, self.state, self.log = d.state.parent, d.state, []
        self.endpoint, self.clients = d.endpoint, d.clients


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    work = tmp_path_factory.mktemp("full-pipeline")
    state, assembly = work / "state", work / "cdk.out"
    with process.running(state_dir=state) as endpoint:
        d = Deployed(endpoint, state, assembly, Clients(endpoint))
        code = deploy_local(None, [STACK], state_dir=state,
                            parameters=[f"NotificationEmail={EMAIL}"],
                            extra=["--output", str(assembly)], say=d.lines.append)
        assert code == 0, "\n".join(d.lines[-60:])
        yield d
    assert not process.status(state).running


@pytest.fixture(scope="module")
def pipeline(deployed: Deployed) -> Pipeline:
    return Pipeline(_Aws(deployed), STACK, other_stacks=[APP])


@pytest.fixture(scope="module")
def released(deployed: Deployed, pipeline: Pipeline) -> ExecutionView:
    """The repository's source, uploaded: the first release, through the pipeline."""
    run = pipeline.upload(SourceTree.from_repository())
    assert run.succeeded, repr(run)
    return run


def test_the_pipeline_stack_deploys_alone_and_reads_back_as_its_template(
        deployed: Deployed) -> None:
    c = deployed.clients
    stack = c.cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}[
        "NotificationEmail"] == EMAIL
    template = json.loads((deployed.assembly / f"{STACK}.template.json").read_text())
    report = verify_stack(deployed.endpoint, STACK, template)
    assert report.problems == []
    assert set(report.checked) == set(template["Resources"]) and len(template["Resources"]) >= 60
    # Only the pipeline deploys the application stack: cdk deploy did not.
    names = {s["StackName"] for s in c.cloudformation.list_stacks()["StackSummaries"]}
    assert APP not in names
    facts = {(f.resource, f.what): f.value for f in taught_properties(c, STACK)}
    assert facts[("DeliveryPipelineE8584D71", "stages, in order")] == (
        "Source -> Build -> Test -> SecurityScan -> Deploy")
    assert facts[("DeliveryPipelineE8584D71", "stage Deploy on failure")] == "ROLLBACK"
    assert f"stack {APP}" in facts[("DeliveryPipelineE8584D71", "stage Deploy")]


def test_an_upload_releases_the_application_through_cloudformation(
        deployed: Deployed, pipeline: Pipeline, released: ExecutionView) -> None:
    """https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CloudFormation.html:
    the Deploy stage creates the application stack from the Template artifact, with the Package
    artifact's bucket and key as its code parameters."""
    c = deployed.clients
    assert released.trigger.startswith("an upload (EventBridge rule)")  # S3Trigger.EVENTS
    assert [r.status for r in released.rows] == ["Succeeded"] * len(released.rows)
    assert c.cloudformation.describe_stacks(StackName=APP)["Stacks"][0]["StackStatus"] == \
        "CREATE_COMPLETE"
    answer = c.awslambda.invoke(FunctionName=FUNCTION, Qualifier="live", Payload=b"{}")
    assert "FunctionError" not in answer and json.loads(answer["Payload"].read())[
        "statusCode"] == 200
    description = c.awslambda.get_function_configuration(FunctionName=FUNCTION,
                                                         Qualifier="live")["Description"]
    assert description.endswith(f"from source version {pipeline.last_upload}")


def test_after_a_release_code_versions_and_alias_are_what_cloudformation_deployed(
        deployed: Deployed, released: ExecutionView) -> None:
    """No drift after a pipeline release: the function runs the package named by the stack's
    parameters, the alias points at the version the stack's template names, and CloudFormation's
    drift detection finds every checked resource IN_SYNC
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html)."""
    c = deployed.clients
    stack = c.cloudformation.describe_stacks(StackName=APP)["Stacks"][0]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    package = c.s3.get_object(Bucket=parameters["CodeBucket"], Key=parameters["CodeKey"])[
        "Body"].read()
    config = c.awslambda.get_function_configuration(FunctionName=FUNCTION)
    assert config["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode()
    live = c.awslambda.get_alias(FunctionName=FUNCTION, Name="live")["FunctionVersion"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert live == outputs["LiveVersion"]
    versions = [v for v in c.awslambda.list_versions_by_function(FunctionName=FUNCTION)[
        "Versions"] if v["Version"] != "$LATEST"]
    assert [v["Version"] for v in versions] == [live]
    assert versions[0]["CodeSha256"] == config["CodeSha256"]
    assert verify_stack(c, APP).problems == []
    cf = c.cloudformation
    detection = cf.detect_stack_drift(StackName=APP)["StackDriftDetectionId"]
    assert cf.describe_stack_drift_detection_status(StackDriftDetectionId=detection)[
        "StackDriftStatus"] == "IN_SYNC"
    drifts = cf.describe_stack_resource_drifts(StackName=APP)["StackResourceDrifts"]
    checked = {d["ResourceType"] for d in drifts if d["StackResourceDriftStatus"] == "IN_SYNC"}
    assert {"AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::Lambda::Alias",
            "AWS::CodeDeploy::DeploymentGroup", "AWS::CloudWatch::Alarm"} <= checked


def test_a_failing_unit_test_stops_at_the_test_stage_and_alerts(
        deployed: Deployed, pipeline: Pipeline, released: ExecutionView) -> None:
    """A change whose unit test fails: the execution stops at Test/UnitTests, nothing later
    runs, production keeps the released version, and the stack's EventBridge rule delivers the
    failure to a subscriber of the alerts topic
    (https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html)."""
    c = deployed.clients
    url, arn = queue(c, "full-pipeline-alerts")
    c.sns.subscribe(TopicArn=deployed.physical("NotificationsTopic", "AWS::SNS::Topic"), Protocol="sqs",
                    Endpoint=arn)
    before = c.awslambda.get_alias(FunctionName=FUNCTION, Name="live")["FunctionVersion"]
    broken = SourceTree.from_repository().replace("lambda_src/src/index.mjs", "ok: true,",
                                                  "healthy: true,")
    run = pipeline.upload(broken)
    assert run.status == "Failed" and run.stopped_at == "Test/UnitTests"
    assert [r.status for r in run.rows if r.stage in ("SecurityScan", "Deploy")] == ["-"] * 3
    assert "BUILD phase failed" in run.action("UnitTests").summary
    assert "✖ answers 200 with a JSON body" in pipeline.build_log(run, "UnitTests")
    messages = [m["Message"] for m in drain(c, url, settle=3)]
    pipeline_name = deployed.physical("DeliveryPipeline", "AWS::CodePipeline::Pipeline")
    assert messages == [f"Pipeline {pipeline_name} failed (execution {run.id})."]
    assert c.awslambda.get_alias(FunctionName=FUNCTION, Name="live")["FunctionVersion"] == before


def test_a_hand_change_to_the_application_stack_is_drift(
        deployed: Deployed, released: ExecutionView) -> None:
    """A version published by hand and the alias moved to it: CloudFormation's drift detection
    reports the alias MODIFIED, with the property and both values."""
    c, cf = deployed.clients, deployed.clients.cloudformation
    released_version = c.awslambda.get_alias(FunctionName=FUNCTION, Name="live")[
        "FunctionVersion"]
    c.awslambda.update_function_configuration(FunctionName=FUNCTION, Description="hot fix")
    hand = c.awslambda.publish_version(FunctionName=FUNCTION)["Version"]
    c.awslambda.update_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=hand)
    detection = cf.detect_stack_drift(StackName=APP)["StackDriftDetectionId"]
    status = cf.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
    assert status["StackDriftStatus"] == "DRIFTED" and status["DriftedStackResourceCount"] == 2
    drifts = {d["ResourceType"]: d for d in cf.describe_stack_resource_drifts(
        StackName=APP, StackResourceDriftStatusFilters=["MODIFIED"])["StackResourceDrifts"]}
    assert [(p["PropertyPath"], p["ExpectedValue"], p["ActualValue"], p["DifferenceType"])
            for p in drifts["AWS::Lambda::Alias"]["PropertyDifferences"]] == [
        ("/FunctionVersion", released_version, hand, "NOT_EQUAL")]
    assert [p["PropertyPath"] for p in drifts["AWS::Lambda::Function"]["PropertyDifferences"]] \
        == ["/Description"]
    assert any("function version is" in p for p in verify_stack(c, APP).problems)


def test_verify_command_reads_the_stack_back(deployed: Deployed) -> None:
    env = {**os.environ, "PITFALLS_STATE_DIR": str(deployed.state)}
    r = subprocess.run([sys.executable, "-m", "pitfalls", "verify"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 differ from the template" in r.stdout
    missing = subprocess.run([sys.executable, "-m", "pitfalls", "verify", "--stack", "Nope"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2
    assert missing.stderr.startswith("pitfalls: error: stack Nope:")
    assert len(missing.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def destroyed(deployed: Deployed) -> dict[str, Any]:
    resources = {s: stack_resources(deployed.clients, s) for s in (APP, STACK)}
    templates = {s: deployed.clients.cloudformation.get_template(StackName=s)["TemplateBody"]
                 for s in (APP, STACK)}
    lines: list[str] = []
    code = run_cli(["destroy", "--app", str(deployed.assembly), APP, STACK, "--force"],
                   local_env(deployed.endpoint), ROOT, lines.append)
    assert code == 0, "\n".join(lines[-40:])
    return {"templates": templates, "resources": resources}


def test_destroy_leaves_only_the_retained_resources(deployed: Deployed,
                                                   destroyed: dict[str, Any]) -> None:
    c = deployed.clients
    stacks = c.cloudformation.list_stacks()["StackSummaries"]
    for name in (APP, STACK):
        assert [s["StackStatus"] for s in stacks if s["StackName"] == name] == ["DELETE_COMPLETE"]
        body = destroyed["templates"][name]
        template = json.loads(body) if isinstance(body, str) else body
        left, kept = destroy_mismatches(c, {"template": template,
                                            "resources": destroyed["resources"][name]})
        assert left == []
        if name == STACK:
            assert "AWS::S3::Bucket" in kept  # the pipeline's buckets are retained on purpose
