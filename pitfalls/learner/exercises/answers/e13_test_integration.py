"""Exercise 13's answer: the Test action's project, whose tests fail the build, with the JUnit
results and the Cobertura coverage in report groups of the stack and a gate at 85 % of lines."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_codebuild as codebuild
from constructs import Construct

from solutions.codebuild_configuration import NodeProject, buildspec


class UnitTests(Construct):
    """The project the Test action runs, with its test and coverage report groups."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        # c8 runs Node's test runner with V8 coverage on, writes Cobertura XML (which Node cannot),
        # and fails when line coverage is under the gate; pinned, so every build runs the same c8.
        test_command = (
            "npx --yes c8@12.0.0 --check-coverage --lines=85 --reporter=text --reporter=cobertura "
            "--reports-dir=coverage node --test --test-reporter=spec "
            "--test-reporter-destination=stdout --test-reporter=junit "
            "--test-reporter-destination=reports/junit.xml"
        )
        tests = codebuild.ReportGroup(self, "TestReports", type=codebuild.ReportGroupType.TEST,
                                      removal_policy=RemovalPolicy.DESTROY, delete_reports=True)
        coverage = codebuild.ReportGroup(self, "CoverageReports",
                                         type=codebuild.ReportGroupType.CODE_COVERAGE,
                                         removal_policy=RemovalPolicy.DESTROY, delete_reports=True)
        spec = buildspec(
            {"install": ["npm ci"], "pre_build": ["mkdir -p reports"], "build": [test_command]},
            # Keyed by ARN: CodeBuild writes to these groups instead of creating its own.
            reports={
                tests.report_group_arn: {
                    "files": ["junit.xml"], "base-directory": "reports", "file-format": "JUNITXML"},
                coverage.report_group_arn: {
                    "files": ["cobertura-coverage.xml"], "base-directory": "coverage",
                    "file-format": "COBERTURAXML"},
            },
        )
        self.project = NodeProject(self, "Tests", build_spec=spec).project
        # CDK does not grant access to a report group named in the buildspec: grant it here.
        tests.grant_write(self.project)
        coverage.grant_write(self.project)
