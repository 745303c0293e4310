"""Scenario 08 in the full pipeline: one owner for versions and the alias, a canary that watches
the new version, a deploy stage that rolls back and knows which upload it releases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pitfalls.evidence.synth import synth_app
from solutions.pipeline import ApplicationStack, PipelineStack


@pytest.fixture(scope="module")
def stacks() -> dict[str, dict[str, Any]]:
    results = synth_app(lambda app: (PipelineStack(app, "P"), ApplicationStack(
        app, "P-App", source_version="v-7")), nag=False)
    return {name: r.template["Resources"] for name, r in results.items()}


def _of(resources: dict[str, Any], rtype: str) -> dict[str, Any]:
    return {lid: body for lid, body in resources.items() if body["Type"] == rtype}


def test_the_canary_alarm_watches_the_new_version(stacks: dict[str, Any]) -> None:
    """https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html: ExecutedVersion
    is the version that ran an alias's invocation, so during a canary the new version's share."""
    app = stacks["P-App"]
    (version,) = _of(app, "AWS::Lambda::Version")
    (group,) = _of(app, "AWS::CodeDeploy::DeploymentGroup").values()
    watched = [a["Name"]["Ref"] for a in group["Properties"]["AlarmConfiguration"]["Alarms"]]
    for alarm in watched:
        dims = {d["Name"]: d["Value"] for d in app[alarm]["Properties"]["Dimensions"]}
        assert dims["ExecutedVersion"] == {"Fn::GetAtt": [version, "Version"]}
        assert dims["Resource"]["Fn::Join"][1][-1] == ":live"
    (alias,) = _of(app, "AWS::Lambda::Alias")
    # CloudFormation updates the alarms to the new version before the alias shift starts.
    assert set(watched) <= set(app[alias]["DependsOn"])


def test_every_upload_is_a_new_version_that_names_it(stacks: dict[str, Any]) -> None:
    app = stacks["P-App"]
    (fn,) = [b for b in _of(app, "AWS::Lambda::Function").values()
             if b["Properties"].get("FunctionName") == "pipeline-pitfalls-dev-app"]
    assert fn["Properties"]["Description"].endswith("from source version v-7")
    assert fn["Properties"]["Code"] == {"S3Bucket": {"Ref": "CodeBucket"},
                                        "S3Key": {"Ref": "CodeKey"}}


def test_only_cloudformation_changes_what_the_application_stack_owns(
        stacks: dict[str, Any]) -> None:
    """No project of the pipeline may update the function, publish a version, move the alias
    or start a CodeDeploy deployment: the Deploy stage hands the template to CloudFormation."""
    pipeline = stacks["P"]
    owners = set()
    for body in _of(pipeline, "AWS::IAM::Policy").values():
        for statement in body["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) \
                else [statement["Action"]]
            if {"lambda:UpdateAlias", "lambda:UpdateFunctionCode", "lambda:PublishVersion",
                    "codedeploy:CreateDeployment"} & set(actions):
                owners |= {r["Ref"] for r in body["Properties"]["Roles"]}
    principals = {lid: pipeline[lid]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0][
        "Principal"]["Service"] for lid in owners}
    assert principals and set(principals.values()) == {"cloudformation.amazonaws.com"}


def test_the_deploy_stage_rolls_back_and_deploys_through_cloudformation(
        stacks: dict[str, Any]) -> None:
    (pipeline,) = _of(stacks["P"], "AWS::CodePipeline::Pipeline").values()
    stages = {s["Name"]: s for s in pipeline["Properties"]["Stages"]}
    deploy = stages["Deploy"]
    assert deploy["OnFailure"] == {"Result": "ROLLBACK"}
    cfn = next(a for a in deploy["Actions"] if a["ActionTypeId"]["Provider"] == "CloudFormation")
    config = cfn["Configuration"]
    assert (config["ActionMode"], config["StackName"]) == ("CREATE_UPDATE", "PipelinePitfalls-dev-App")
    assert config["TemplatePath"] == "Template::PipelinePitfalls-dev-App.template.json"
    overrides = json.loads(json.dumps(config["ParameterOverrides"]))
    text = json.dumps(overrides)
    assert '"Fn::GetArtifactAtt\\\\": [\\\\"Package\\\\", \\\\"ObjectKey\\\\"]' in text or \
        "Package" in text and "ObjectKey" in text
    synth = next(a for a in stages["Build"]["Actions"] if a["Name"] == "Synth")
    variables = json.loads(synth["Configuration"]["EnvironmentVariables"])
    assert {"name": "SOURCE_VERSION_ID", "type": "PLAINTEXT", "value": "#{Source.VersionId}"} \
        in variables
    tests = stages["Test"]["Actions"][0]
    assert [i["Name"] for i in tests["InputArtifacts"]] == ["Package"]  # what ships is tested
