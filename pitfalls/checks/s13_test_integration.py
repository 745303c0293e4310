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
from pitfalls.checks.grants import allows, role_of
from pitfalls.templates import PIPELINE, BuildSpec, Template, as_list, pipeline_actions, report_group_ref

PROJECT = "AWS::CodeBuild::Project"
REPORT_GROUP = "AWS::CodeBuild::ReportGroup"

# Commands that run a test suite. A heuristic by necessity: a wrapper script is invisible.
TEST_COMMAND = re.compile(
    r"\b(?:npm|yarn|pnpm)\s+(?:run(?:-script)?\s+)?(?:test|t)(?::[\w:-]+)?(?=\s|$|[;&|)])"
    r"|\bnode\b[^;&|]*\s--test\b"
    r"|\b(?:jest|mocha|vitest|ava|c8|nyc)\b"
    r"|\b(?:pytest|tox|nox)\b|\bpython3?\s+-m\s+(?:pytest|unittest)\b"
    r"|\b(?:go|cargo|dotnet)\s+test\b|\bmake\s+(?:test|check)\b"
    r"|\bmvn\b[^;&|]*\b(?:test|verify)\b|\bgradlew?\b[^;&|]*\b(?:test|check)\b"
)
# Security scanners: a Test action that runs one is a scan stage (scenario 11), not missing tests.
SCAN_COMMAND = re.compile(
    r"\b(?:npm|yarn|pnpm)\s+audit\b|\bcfn-lint\b|\bcheckov\b|\btrivy\b|\bsemgrep\b"
    r"|\bpitfalls\s+check\b|\bcdk\b[^;&|]*\bsynth\b[^;&|]*\bnag=true\b"
)
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
    stage_index: int
    last_stage: int
    stage: str
    name: str
    category: str
    run_order: int
    project: str

    @property
    def where(self) -> str:
        return f"{self.stage}/{self.name}"

    @property
    def before_deploy(self) -> bool:
        return self.stage_index < self.last_stage


def codebuild_actions(t: Template) -> list[CodeBuildAction]:
    """CodeBuild actions of every pipeline, with the logical id of the project they run."""
    out: list[CodeBuildAction] = []
    for pipeline, _ in t.resources(PIPELINE):
        props = t.props(pipeline)
        last_stage = len([s for s in as_list(props.get("Stages")) if isinstance(s, dict)]) - 1
        for action in pipeline_actions(props):
            if action.provider != "CodeBuild" or t.type_of(action.project) != PROJECT:
                continue
            out.append(
                CodeBuildAction(
                    pipeline=pipeline,
                    stage_index=action.stage_index,
                    last_stage=last_stage,
                    stage=action.stage,
                    name=action.name,
                    category=action.category,
                    run_order=action.run_order,
                    project=str(action.project),
                )
            )
    return out


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
    requirement="Before the deploy stage, a pipeline action runs the unit tests.",
    rationale=(
        "A Test action whose buildspec installs dependencies and stops, or a pipeline whose "
        "projects never call the test runner, is green whatever the code does: the stage is "
        "there, the tests are not."
    ),
    fix=(
        "Run the test runner in the test project's build phase, e.g. `node --test ...`, and "
        "put that project in a CodeBuildAction(type=CodeBuildActionType.TEST) before deploy."
    ),
)
def no_tests_run(t: Template) -> Iterator[Violation]:
    projects = test_projects(t)
    by_pipeline: dict[str, list[CodeBuildAction]] = {}
    for action in codebuild_actions(t):
        by_pipeline.setdefault(action.pipeline, []).append(action)
    for pipeline, actions in by_pipeline.items():
        early = [a for a in actions if a.before_deploy]
        for a in early:
            if a.category != "Test" or a.project not in projects:
                continue
            spec = projects[a.project][0]
            if not runs_tests(spec) and not any(SCAN_COMMAND.search(c) for c in spec.all_commands()):
                yield a.project, f"the Test action {a.where} runs this project, which runs no tests"
        # Only when every early project's commands are visible can we say none runs tests.
        if early and all(a.project in projects for a in early) and not any(
            runs_tests(projects[a.project][0]) for a in early
        ):
            if not any(a.category == "Test" for a in early):
                yield pipeline, "no CodeBuild action before the deploy stage runs a test command"


@check(
    id="PP13-TEST-FAILURE-IGNORED",
    scenario=13,
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
    requirement="A project that writes to a report group of the stack may create reports in it.",
    rationale=(
        "CodeBuild creates the report with the project's service role, which needs "
        "codebuild:CreateReport, UpdateReport and BatchPutTestCases on the report group (CodeBuild "
        "guide, 'Test report permissions'). CDK does not grant them for a ReportGroup you name in "
        "the buildspec, so the test results never reach it."
    ),
    fix="report_group.grant_write(project)",
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
)
def no_coverage_threshold(t: Template) -> Iterator[Violation]:
    for project, (spec, actions) in test_projects(t).items():
        if not any(a.category == "Test" for a in actions) or not runs_tests(spec):
            continue
        if not any(COVERAGE_THRESHOLD.search(c) for c in spec.all_commands()):
            yield project, "runs the tests with no coverage threshold in its commands"


def _short(command: str, width: int = 60) -> str:
    one_line = "; ".join(" ".join(line.split()) for line in command.splitlines() if line.strip())
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"
