"""Scenario 04: what CDK refuses by itself, and the build pinned to the function's runtime."""

from __future__ import annotations

from typing import Any

import pytest

from pitfalls.evidence.synth import SynthError, synth


def test_windows_small_is_refused_at_synth_in_one_line() -> None:
    from aws_cdk import aws_codebuild as codebuild

    def build(stack: Any) -> None:
        codebuild.PipelineProject(stack, "P", environment=codebuild.BuildEnvironment(
            build_image=codebuild.WindowsBuildImage.WIN_SERVER_CORE_2019_BASE_3_0,
            compute_type=codebuild.ComputeType.SMALL,
        ))

    with pytest.raises(SynthError) as err:
        synth(build, nag=False)
    assert str(err.value) == (
        "Invalid CodeBuild environment: Windows images do not support the "
        "'BUILD_GENERAL1_SMALL' compute type"
    )


def test_node_major_follows_the_lambda_runtime() -> None:
    from solutions.codebuild_configuration import NODE_MAJOR
    from solutions.lambda_runtime import RUNTIME

    assert RUNTIME.name == f"nodejs{NODE_MAJOR}.x"


def test_every_pipeline_project_pins_node_and_runs_small_linux() -> None:

    from pitfalls.evidence.synth import synth_app
    from pitfalls.templates import project_buildspec
    from solutions.codebuild_configuration import NODE_MAJOR
    from solutions.pipeline import PipelineStack

    r = synth_app(lambda app: PipelineStack(app, "P"), nag=False)["P"]
    projects = r.resources("AWS::CodeBuild::Project")
    assert len(projects) >= 3  # build, tests, deploy (and the stages other scenarios add)
    for body in projects.values():
        props = body["Properties"]
        assert props["Environment"]["Type"] == "LINUX_CONTAINER"
        assert props["Environment"]["ComputeType"] == "BUILD_GENERAL1_SMALL"
        spec = project_buildspec(props)
        assert spec is not None
        assert spec.data["phases"]["install"]["runtime-versions"]["nodejs"] == NODE_MAJOR


def _tests_with_reports(node: str, artifacts: bool) -> dict[str, Any]:
    """A function on nodejs24.x and a Test build whose buildspec names its report group by ARN,
    so CDK writes it as an Fn::Join (the form the full pipeline's test project has)."""
    tail = ', "artifacts": {"files": ["function.zip"]}' if artifacts else ""
    return {"Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "nodejs24.x"}},
        "Reports": {"Type": "AWS::CodeBuild::ReportGroup", "Properties": {"Type": "TEST"}},
        "Tests": {"Type": "AWS::CodeBuild::Project", "Properties": {
            "Environment": {"Type": "LINUX_CONTAINER", "ComputeType": "BUILD_GENERAL1_SMALL",
                            "Image": "aws/codebuild/standard:7.0"},
            "Source": {"Type": "CODEPIPELINE", "BuildSpec": {"Fn::Join": ["", [
                '{"version": "0.2", "phases": {"install": {"runtime-versions": {"nodejs": "' + node
                + '"}, "commands": ["npm ci"]}, "build": {"commands": ["npm test"]}}, "reports": {"',
                {"Fn::GetAtt": ["Reports", "Arn"]}, '": {"files": ["junit.xml"]}}' + tail + "}",
            ]]}},
        }},
        "Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {"Stages": [
            {"Name": "Test", "Actions": [{
                "Name": "Test", "ActionTypeId": {"Category": "Build", "Provider": "CodeBuild"},
                "Configuration": {"ProjectName": {"Ref": "Tests"}},
                "OutputArtifacts": [{"Name": "Package"}],
            }]},
        ]}},
    }}


def test_token_bearing_buildspecs_are_read() -> None:
    """A buildspec with a reference in it (Fn::Join) is read like a plain one: scenario 04's
    checks flag it when it is wrong and pass it when it is right."""
    from pitfalls.checks import run_checks
    from pitfalls.templates import Template

    wrong = run_checks(Template(_tests_with_reports("20", artifacts=False)), scenario=4)
    assert {(f.check, f.resource) for f in wrong} == {
        ("PP04-RUNTIME-MISMATCH", "Tests"), ("PP04-NO-ARTIFACTS", "Tests"),
    }
    assert run_checks(Template(_tests_with_reports("24", artifacts=True)), scenario=4) == []


def test_runtime_mismatch_judges_by_the_application_function() -> None:
    """A custom resource provider's runtime is not what the builds build: a build pinned to it is
    as wrong as one on any other major; unpinned npm and a wrong pin are flagged too."""
    from conftest import FIXTURES

    from pitfalls.checks import REGISTRY
    from pitfalls.templates import load_template_file

    t = load_template_file(FIXTURES / "checks" / "PP04-RUNTIME-MISMATCH" / "noncompliant.yaml")
    found = {f.resource: f.message for f in REGISTRY["PP04-RUNTIME-MISMATCH"].run(t)}
    assert sorted(found) == ["Lint", "Tests", "Tools"]
    assert found["Tools"] == "runtime-versions nodejs 22, but the function runs Node.js 24"
