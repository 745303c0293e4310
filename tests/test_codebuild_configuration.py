"""Scenario 04: what CDK refuses by itself, and the build pinned to the function's runtime."""

from __future__ import annotations

from typing import Any

import pytest

from pitfalls.synth import SynthError, synth


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

    from pitfalls.buildspec import project_buildspec
    from pitfalls.synth import synth_app
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
