"""Exercise 13: the project a pipeline's Test action runs, so that tests can fail it and report,
coverage included.

The variant: the same lesson (a test run that can fail the build, and results CodeBuild keeps) for
a ticket that also wants the coverage in CodeBuild's reports and a higher gate, so the notebook's
`UnitTests` (a JUnit report, a gate at 80 %) is not the answer.
"""

from __future__ import annotations

import re
from typing import Any

from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import each, owned
from pitfalls.templates import report_group_ref
from pitfalls.templates.template import Template

COVERAGE_FORMAT = "COBERTURAXML"  # the ticket: Cobertura XML, in a code coverage report group
GATE = 85  # ... and the build fails under 85 % of lines
# A line-coverage threshold as node --test or c8/nyc take it.
_LINE_GATE = re.compile(r"--test-coverage-lines=(\d+)|--lines[= ](\d+)")


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


def _projects(t: Template) -> list[str]:
    return owned(t, "UnitTests", "AWS::CodeBuild::Project")


@each(_projects, "CodeBuild project")
def coverage_report(t: Template, lid: str) -> str:
    spec = t.buildspec(lid)
    sent = []
    for key, report in (spec.reports if spec else {}).items():
        group = report_group_ref(key)
        ours = t.type_of(group) == "AWS::CodeBuild::ReportGroup"
        kind = str(t.props(str(group)).get("Type", "TEST")) if ours else ""
        fmt = str(report.get("file-format", "JUNITXML")) if isinstance(report, dict) else "?"
        if (kind, fmt) == ("CODE_COVERAGE", COVERAGE_FORMAT):
            return ""
        sent.append(f"{fmt} to a {kind} report group" if kind
                    else f"{fmt} to a report group CodeBuild creates")
    return ("its buildspec reports " + ", ".join(sent) + " (reports, file-format, Type)"
            if sent else "its buildspec has no reports section")


@each(_projects, "CodeBuild project")
def coverage_gate(t: Template, lid: str) -> str:
    spec = t.buildspec(lid)
    gates = [int(a or b) for c in (spec.all_commands() if spec else [])
             for a, b in _LINE_GATE.findall(c)]
    if GATE in gates:
        return ""
    return (f"its test command fails under {', '.join(map(str, gates))} % of lines"
            if gates else "no command of its buildspec fails on line coverage")


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
            "pipeline's Test action runs: tests that can fail it, a JUnit report, a Cobertura "
            f"coverage report in a code coverage report group, and a gate at {GATE} % of lines."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E13-COVERAGE-REPORT",
                        "publish coverage as Cobertura XML (COBERTURAXML) to a CODE_COVERAGE report "
                        "group", coverage_report),
            Requirement("E13-COVERAGE-GATE", f"fail the build under {GATE} % line coverage",
                        coverage_gate),
        ),
        hints=(
            "In the AWS::CodeBuild::Project's Source.BuildSpec: the test command alone on its line "
            "(no `|| true`, no pipe, nothing after it); a `reports` section whose keys are ARNs of "
            "AWS::CodeBuild::ReportGroup resources, one of Type TEST for the JUnit file "
            "(file-format JUNITXML) and one of Type CODE_COVERAGE for the coverage file "
            "(file-format COBERTURAXML); the coverage threshold is an option of the command. The "
            "project's role needs codebuild:CreateReport and BatchPutTestCases or "
            "BatchPutCodeCoverages on each group. Node's test runner writes JUnit but not "
            "Cobertura; c8 (the V8 coverage tool, on npm) runs it and writes Cobertura.",
            "tests = codebuild.ReportGroup(self, ..., type=codebuild.ReportGroupType.TEST); coverage "
            "= codebuild.ReportGroup(self, ..., type=codebuild.ReportGroupType.CODE_COVERAGE); "
            "'reports': {tests.report_group_arn: {'files': [...], 'base-directory': ..., "
            "'file-format': 'JUNITXML'}, coverage.report_group_arn: {..., 'file-format': "
            "'COBERTURAXML'}}; the command `npx --yes c8@<version> --check-coverage --lines=N "
            "--reporter=text --reporter=cobertura --reports-dir=coverage node --test "
            "--test-reporter=junit --test-reporter-destination=reports/junit.xml` (c8's cobertura "
            "reporter writes cobertura-coverage.xml); then grant_write(self.project) on both groups.",
        ),
        docs=(
            "https://docs.aws.amazon.com/codebuild/latest/userguide/code-coverage-report.html",
            "https://docs.aws.amazon.com/codebuild/latest/userguide/report-create.html",
            "https://docs.aws.amazon.com/cdk/api/latest/python/aws_cdk.aws_codebuild/ReportGroupType.html",
        ),
        solution="solutions.test_integration:UnitTests",
        answer="pitfalls.learner.exercises.answers.e13_test_integration:UnitTests",
        promised=("PP13-TEST-FAILURE-IGNORED", "PP13-NO-TEST-REPORT", "E13-COVERAGE-REPORT",
                  "E13-COVERAGE-GATE"),
    )
)
