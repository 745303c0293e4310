"""Exercise 13: the project a pipeline's Test action runs, so that tests can fail it and report."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register


def harness(stack: Any, cls: type) -> None:
    from solutions.codebuild_configuration import (
        NodeProject,
        build_spec_for_build,
        build_spec_for_synth,
    )
    from solutions.incomplete_pipeline_stages import APPLICATION_STACK, DeliveryPipeline
    from solutions.s3_source_bucket import SourceBucket

    tests = cls(stack, "UnitTests")
    project = getattr(tests, "project", None)
    if project is None:
        raise AttributeError("your UnitTests must set self.project to the CodeBuild project it creates")
    DeliveryPipeline(
        stack,
        "Delivery",
        source_bucket=SourceBucket(stack, "Source").bucket,
        build_project=NodeProject(stack, "Build", build_spec=build_spec_for_build()).project,
        synth_project=NodeProject(stack, "Synth",
                                  build_spec=build_spec_for_synth(APPLICATION_STACK)).project,
        test_project=project,
    )


STARTER = """\
class UnitTests(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        self.project = codebuild.PipelineProject(
            self,
            "Tests",
            environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0),
            build_spec=codebuild.BuildSpec.from_object({
                "version": "0.2",
                "phases": {
                    "install": {"runtime-versions": {"nodejs": "24"}, "commands": ["npm ci"]},
                    "build": {"commands": ["npm test || true"]},
                },
            }),
        )
"""


register(
    Exercise(
        scenario=13,
        class_name="UnitTests",
        task=(
            "Write UnitTests(scope, id) that sets self.project to the CodeBuild project the "
            "pipeline's Test action runs: tests that can fail it, a JUnit report, a coverage gate."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "In the AWS::CodeBuild::Project's Source.BuildSpec: the test command alone on its line "
            "(no `|| true`, no pipe, nothing after it), a `reports` section keyed by the ARN of an "
            "AWS::CodeBuild::ReportGroup with file-format JUNITXML, and --test-coverage-lines=N; the "
            "project's role needs codebuild:CreateReport, UpdateReport and BatchPutTestCases on it.",
            "report_group = codebuild.ReportGroup(self, 'Reports'); in BuildSpec.from_object use "
            "'reports': {report_group.report_group_arn: {'files': ['junit.xml'], 'base-directory': "
            "'reports', 'file-format': 'JUNITXML'}} and the command `node --test "
            "--test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit "
            "--test-reporter-destination=reports/junit.xml --experimental-test-coverage "
            "--test-coverage-lines=80`; then report_group.grant_write(self.project).",
        ),
        solution="solutions.test_integration:UnitTests",
    )
)
