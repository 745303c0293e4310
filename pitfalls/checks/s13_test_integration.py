"""Scenario 13: tests that run in the pipeline, can fail it, and leave a report behind.

cdk-nag, cfn-lint and CDK's validation never read a buildspec's commands, so none of them can
tell a test step that always passes from one that works. These checks read the inline buildspec
of every CodeBuild project a pipeline runs (see `pitfalls.templates.buildspec`); a buildspec kept in the
source as a file is out of their sight and is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pitfalls.checks import Violation, check
from pitfalls.checks.flow import SCAN_COMMAND, TEST_COMMAND, flows
from pitfalls.checks.grants import allows, role_of
from pitfalls.templates import BuildSpec, Template, report_group_ref

PROJECT = "AWS::CodeBuild::Project"
REPORT_GROUP = "AWS::CodeBuild::ReportGroup"

# Options that make a coverage shortfall fail the command, per runner.
COVERAGE_THRESHOLD = re.compile(
    r"--test-coverage-(?:lines|branches|functions)=\S+"  # node --test (Node 22.8+)
    r"|--check-coverage\b"  # c8, nyc
    r"|--coverage[Tt]hreshold\b"  # jest
    r"|--coverage\.thresholds\.\w+"  # vitest
    r"|--cov-fail-under\b|--fail-under\b"  # pytest-cov, coverage.py
)
TEST_REPORT_FORMATS = {
    "JUNITXML", "CUCUMBERJSON", "TESTNGXML", "VISUALSTUDIOTRX", "NUNITXML", "NUNIT3XML",
}
# A `||` whose right-hand side still fails: `|| exit 1`, `|| exit $?`, `|| false`.
_STILL_FAILS = re.compile(r"\bexit\s+(?:[1-9]\d*|\"?\$\??\"?)|\bfalse\b")


@dataclass(frozen=True)
class CodeBuildAction:
    """A pipeline action that runs a CodeBuild project of this template."""

    pipeline: str
    stage: str
    name: str
    category: str
    run_order: int
    project: str
    before_deploy: bool  # runs, and must succeed, before the pipeline's first deploy action

    @property
    def where(self) -> str:
        return f"{self.stage}/{self.name}"


def codebuild_actions(t: Template) -> list[CodeBuildAction]:
    """CodeBuild actions of every pipeline, with the logical id of the project they run."""
    return [
        CodeBuildAction(
            pipeline=flow.pipeline,
            stage=step.action.stage,
            name=step.action.name,
            category=step.action.category,
            run_order=step.action.run_order,
            project=str(step.project),
            before_deploy=flow.before_deploy(step),
        )
        for flow in flows(t)
        for step in flow.steps
        if step.action.provider == "CodeBuild" and t.type_of(step.project) == PROJECT
    ]


def statements(command: str) -> list[str]:
    """A shell command split into its statements at `;` and newlines outside quotes and groups."""
    out, current, quote, depth = [], "", "", 0
    for ch in command:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth = max(0, depth - 1)
        elif ch in ";\n" and depth == 0:
            out.append(current)
            current = ""
            continue
        current += ch
    out.append(current)
    return [s.strip() for s in out if s.strip()]


def runs_tests(spec: BuildSpec) -> bool:
    return any(TEST_COMMAND.search(c) for c in spec.all_commands())


def masked_failure(command: str) -> str | None:
    """Why a failing test inside `command` would not fail it, or None when it would."""
    parts = statements(command)
    errexit = False
    for i, part in enumerate(parts):
        if re.match(r"set\s+(?:-\w*e\w*|-o\s+errexit)\b", part):
            errexit = True
        elif re.match(r"set\s+(?:\+\w*e\w*|\+o\s+errexit)\b", part):
            errexit = False
        if not TEST_COMMAND.search(part):
            continue
        test_at = TEST_COMMAND.search(part).start()  # type: ignore[union-attr]
        tail = re.sub(r"'[^']*'|\"[^\"]*\"", "''", part[test_at:])  # operators in quotes are text
        if "||" in tail:
            rhs = tail.split("||", 1)[1]
            if not _STILL_FAILS.search(rhs):
                return f"`|| {rhs.strip()}` turns a failing test run into a success"
        if re.search(r"(?<!\|)\|(?!\|)", tail.replace("||", "")) and "pipefail" not in command:
            return "the test run is piped into another command, whose exit status wins"
        if i < len(parts) - 1 and not errexit:
            later = parts[i + 1]
            return (
                f"`{later}` runs after the tests in the same command, and the command's exit "
                "status is that of its last statement"
            )
    return None


def test_projects(t: Template) -> dict[str, tuple[BuildSpec, list[CodeBuildAction]]]:
    """Projects a pipeline runs that have an inline buildspec, with the actions that run them."""
    out: dict[str, tuple[BuildSpec, list[CodeBuildAction]]] = {}
    for action in codebuild_actions(t):
        spec = t.buildspec(action.project)
        if spec is None:
            continue
        out.setdefault(action.project, (spec, []))[1].append(action)
    return out


@check(
    id="PP13-NO-TESTS-RUN",
    scenario=13,
    severity="warning",
    requirement="A Test action before the deploy runs the unit tests (or a security scan).",
    rationale=(
        "A Test action whose buildspec installs dependencies and stops is green whatever the "
        "code does: the stage is there, the tests are not. (A pipeline with no action that "
        "runs tests at all is PP01-NO-TEST.)"
    ),
    fix=(
        "Run the test runner in the test project's build phase, e.g. `node --test ...`, and "
        "put that project in a CodeBuildAction(type=CodeBuildActionType.TEST) before deploy."
    ),
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeBuild.html",
)
def no_tests_run(t: Template) -> Iterator[Violation]:
    # A pipeline where no action tests at all is PP01-NO-TEST; this is the Test stage that is there
    # and tests nothing (a scan stage is scenario 11's, not missing tests).
    projects = test_projects(t)
    for a in codebuild_actions(t):
        if not a.before_deploy or a.category != "Test" or a.project not in projects:
            continue
        spec = projects[a.project][0]
        if not runs_tests(spec) and not any(SCAN_COMMAND.search(c) for c in spec.all_commands()):
            yield a.project, f"the Test action {a.where} runs this project, which runs no tests"


@check(
    id="PP13-TEST-FAILURE-IGNORED",
    scenario=13,
    severity="warning",
    requirement="A failing test fails the command that runs it, so the build and the pipeline stop.",
    rationale=(
        "CodeBuild fails a phase when a command exits non-zero. `npm test || true`, a pipe into "
        "`tee`, or a later statement in the same command (`npm test; echo done`) hand CodeBuild "
        "a zero, the action succeeds with red tests, and the deploy goes ahead."
    ),
    fix=(
        "Run the test command on its own line of the buildspec, with no `|| true` and no pipe; "
        "put clean-up in post_build or in a separate command."
    ),
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html",
)
def test_failure_ignored(t: Template) -> Iterator[Violation]:
    for project, (spec, actions) in test_projects(t).items():
        for command in spec.all_commands("pre_build", "build", "post_build"):
            why = masked_failure(command)
            if why:
                where = ", ".join(a.where for a in actions)
                yield project, f"in `{_short(command)}` (run by {where}): {why}"


@check(
    id="PP13-NO-TEST-REPORT",
    scenario=13,
    severity="warning",
    requirement="A project that runs tests publishes their results as a CodeBuild test report.",
    rationale=(
        "Without a `reports` section the results exist only in the build log: nobody sees which "
        "test failed, how often, or since when, without reading the log of every run."
    ),
    fix=(
        "Write JUnit XML (`node --test --test-reporter=junit --test-reporter-destination=...`) "
        "and add `reports: {<ReportGroup ARN>: {files: [...], file-format: JUNITXML}}`."
    ),
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/test-reporting.html",
)
def no_test_report(t: Template) -> Iterator[Violation]:
    for project, (spec, _) in test_projects(t).items():
        if not runs_tests(spec):
            continue
        formats = {str(r.get("file-format", "JUNITXML")).upper() for r in spec.reports.values()}
        if not formats & TEST_REPORT_FORMATS:
            yield project, "runs tests but its buildspec has no test report in a `reports` section"


@check(
    id="PP13-REPORT-NOT-GRANTED",
    scenario=13,
    severity="error",
    requirement="A project that writes to a report group of the stack may create reports in it.",
    rationale=(
        "CodeBuild creates the report with the project's service role, which needs "
        "codebuild:CreateReport, UpdateReport and BatchPutTestCases on the report group (CodeBuild "
        "guide, 'Test report permissions'). CDK does not grant them for a ReportGroup you name in "
        "the buildspec, so the test results never reach it."
    ),
    fix="report_group.grant_write(project)",
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/test-permissions.html",
)
def report_not_granted(t: Template) -> Iterator[Violation]:
    for project, (spec, _) in test_projects(t).items():
        role = role_of(t, t.props(project).get("ServiceRole"))
        if role is None:
            continue
        for key in spec.reports:
            group = report_group_ref(key)
            if t.type_of(group) != REPORT_GROUP:
                continue
            kind = str(t.props(str(group)).get("Type", "TEST")).upper()
            batch = "codebuild:BatchPutCodeCoverages" if kind == "CODE_COVERAGE" else (
                "codebuild:BatchPutTestCases"
            )
            missing = [
                a for a in ("codebuild:CreateReport", batch) if not allows(t, role, a, group)
            ]
            if missing:
                yield project, (
                    f"writes reports to {group}, but its role {role} is not allowed "
                    + " or ".join(missing)
                )


@check(
    id="PP13-NO-COVERAGE-THRESHOLD",
    scenario=13,
    severity="warning",
    requirement="The test command fails when coverage drops below a threshold set in the buildspec.",
    rationale=(
        "Without a threshold, coverage only ever goes down: untested code passes the pipeline "
        "as long as the tests that exist pass. A threshold in the buildspec is visible in the "
        "pipeline's code review, not hidden in a config file."
    ),
    fix=(
        "node --test --experimental-test-coverage --test-coverage-lines=80 "
        "--test-coverage-branches=80 --test-coverage-functions=80"
    ),
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/code-coverage-report.html",
)
def no_coverage_threshold(t: Template) -> Iterator[Violation]:
    # Per pipeline: one test run that enforces coverage is enough (a build that also runs
    # `npm test` need not enforce it a second time).
    by_pipeline: dict[str, list[str]] = {}
    enforced: set[str] = set()
    for project, (spec, actions) in test_projects(t).items():
        if not runs_tests(spec):
            continue
        threshold = any(COVERAGE_THRESHOLD.search(c) for c in spec.all_commands())
        for a in actions:
            by_pipeline.setdefault(a.pipeline, []).append(project)
            if threshold:
                enforced.add(a.pipeline)
    flagged: set[str] = set()
    for pipeline, projects in by_pipeline.items():
        for project in projects:
            if pipeline not in enforced and project not in flagged:
                flagged.add(project)
                yield project, "runs the tests with no coverage threshold in its commands"


def _short(command: str, width: int = 60) -> str:
    one_line = "; ".join(" ".join(line.split()) for line in command.splitlines() if line.strip())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"
