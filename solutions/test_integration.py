"""Scenario 13: unit tests that run before the deploy, can fail it, and leave a report.

The test action's project runs `lambda_src`'s tests with Node's built-in runner, on the Node.js
major the function runs on. The test command stands alone on its line, so a failing test fails
the build; it writes JUnit XML that CodeBuild publishes to a report group of the stack (granted to
the project), and it fails when line, branch or function coverage falls below a threshold that
is set here, in the pipeline's code, where a review sees it.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_kms as kms
from constructs import Construct

from solutions.codebuild_configuration import NodeProject, buildspec

REPORTS_DIR = "reports"
JUNIT_FILE = "junit.xml"


def unit_test_command(coverage_threshold: int) -> str:
    """Node's test runner: readable output in the log, JUnit for CodeBuild, a coverage gate."""
    return " ".join(
        [
            "node --test",
            "--test-reporter=spec --test-reporter-destination=stdout",
            f"--test-reporter=junit --test-reporter-destination={REPORTS_DIR}/{JUNIT_FILE}",
            "--experimental-test-coverage",
            f"--test-coverage-lines={coverage_threshold}",
            f"--test-coverage-branches={coverage_threshold}",
            f"--test-coverage-functions={coverage_threshold}",
        ]
    )


def build_spec_for_unit_tests(
    report_group: codebuild.IReportGroup, coverage_threshold: int = 80
) -> codebuild.BuildSpec:
    """Install, run the tests (one command, nothing after it), publish the JUnit report."""
    return buildspec(
        {
            "install": ["npm ci"],
            "pre_build": [f"mkdir -p {REPORTS_DIR}"],
            "build": [unit_test_command(coverage_threshold)],
        },
        reports={
            # Keyed by ARN: CodeBuild writes to this report group instead of creating its own.
            report_group.report_group_arn: {
                "files": [JUNIT_FILE],
                "base-directory": REPORTS_DIR,
                "file-format": "JUNITXML",
            }
        },
    )


class UnitTests(Construct):
    """The project a pipeline's Test action runs, with the report group its results go to."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        coverage_threshold: int = 80,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.report_group = codebuild.ReportGroup(
            self,
            "Reports",
            type=codebuild.ReportGroupType.TEST,
            removal_policy=RemovalPolicy.DESTROY,
            delete_reports=True,
        )
        self.project = NodeProject(
            self,
            "Tests",
            build_spec=build_spec_for_unit_tests(self.report_group, coverage_threshold),
            encryption_key=encryption_key,
        ).project
        # CDK does not grant access to a report group named in the buildspec: grant it here.
        self.report_group.grant_write(self.project)
