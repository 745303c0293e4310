"""Exercise 04: the Build stage's CodeBuild project."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register


def harness(stack: Any, cls: type) -> None:
    from solutions.codebuild_configuration import NodeProject, build_spec_for_synth, build_spec_for_tests
    from solutions.incomplete_pipeline_stages import APPLICATION_STACK, DeliveryPipeline
    from solutions.lambda_runtime import ApplicationFunction
    from solutions.s3_source_bucket import SourceBucket

    source = SourceBucket(stack, "Source")
    ApplicationFunction(stack, "App", stage="dev")  # the runtime the build must match
    built = cls(stack, "Build")
    project = getattr(built, "project", None)
    if project is None:
        raise AttributeError("your BuildProject must set self.project to its CodeBuild project")
    tests = NodeProject(stack, "Tests", build_spec=build_spec_for_tests())
    synth = NodeProject(stack, "Synth", build_spec=build_spec_for_synth(APPLICATION_STACK))
    DeliveryPipeline(
        stack,
        "Delivery",
        source_bucket=source.bucket,
        build_project=project,
        synth_project=synth.project,
        test_project=tests.project,
    )


STARTER = """\
class BuildProject(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.WindowsBuildImage.WIN_SERVER_CORE_2019_BASE_3_0,
                compute_type=codebuild.ComputeType.MEDIUM,
            ),
        )
"""


register(
    Exercise(
        scenario=4,
        class_name="BuildProject",
        task=(
            "Write BuildProject(scope, id) that sets self.project to the CodeBuild project of "
            "the Build stage: it installs and checks the function and hands the package on, as "
            "the artifact the tests and the deploy read."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "AWS::CodeBuild::Project: Environment Type LINUX_CONTAINER with Image "
            "aws/codebuild/standard:7.0 and ComputeType BUILD_GENERAL1_SMALL; Source.BuildSpec "
            "inline, with phases.install.runtime-versions.nodejs equal to the function's major "
            "(nodejs24.x -> 24), and an artifacts section (files, base-directory).",
            "codebuild.PipelineProject(self, 'Project', environment=codebuild.BuildEnvironment("
            "build_image=codebuild.LinuxBuildImage.STANDARD_7_0, "
            "compute_type=codebuild.ComputeType.SMALL), build_spec=codebuild.BuildSpec."
            "from_object({'version': '0.2', 'phases': {'install': {'runtime-versions': "
            "{'nodejs': NODE_MAJOR}, ...}}, 'artifacts': {'base-directory': 'lambda_src', "
            "'files': PACKAGE_FILES}})), or build_spec=build_spec_for_build() "
            "(solutions.codebuild_configuration).",
        ),
        solution="solutions.codebuild_configuration:BuildProject",
        tool_rules=("AwsSolutions-CB5",),
    )
)
