"""In-process synthesis: deterministic, environment-agnostic, one clear line on CDK errors."""

from __future__ import annotations

import json

import pytest

from pitfalls.evidence.synth import SynthError, synth, synth_app
from solutions.pipeline import PipelineStack


def _pipeline() -> dict:  # type: ignore[type-arg]
    return synth_app(lambda app: PipelineStack(app, "P"))["P"].template


def test_deterministic_and_no_temp_paths() -> None:
    a, b = _pipeline(), _pipeline()
    assert a == b
    text = json.dumps(a)
    assert "/tmp" not in text and "pitfalls-synth-" not in text


def test_environment_agnostic_by_default() -> None:
    text = json.dumps(_pipeline())
    assert "us-east-1" not in text
    assert '"Ref": "AWS::Region"' in text or "AWS::Region" in text


def test_cdk_error_is_one_line() -> None:
    from aws_cdk import aws_s3 as s3

    def build(stack):  # type: ignore[no-untyped-def]
        s3.Bucket(stack, "B")
        s3.Bucket(stack, "B")

    with pytest.raises(SynthError) as err:
        synth(build)
    assert "\n" not in str(err.value)
    assert "There is already a Construct with name 'B'" in str(err.value)


def test_tool_findings_are_folded_in() -> None:
    from aws_cdk import aws_lambda as lambda_

    def build(stack):  # type: ignore[no-untyped-def]
        lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.NODEJS_14_X, handler="i.h",
                         code=lambda_.Code.from_inline("exports.h=async()=>1"))

    r = synth(build)
    tools = {(f.tool, f.check) for f in r.findings}
    assert ("cdk-validate", "E2531") in tools  # CDK's own CloudFormation validation
    assert ("cdk-nag", "AwsSolutions-L1") in tools
    assert all(f.resource == "Fn9270CBC0" for f in r.findings if f.check == "E2531")
