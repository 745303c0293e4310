"""The Lambda app the pipeline ships: `make test` runs the commands of the pipeline's build and
test stages, read from the synthesized full pipeline, on a copy of `lambda_src`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pitfalls import _env
from pitfalls.checks.s13_test_integration import codebuild_actions
from pitfalls.evidence import localrun
from pitfalls.evidence.localrun import action_commands, app_copy, run_commands
from pitfalls.evidence.synth import SynthResult, synth_app
from pitfalls.templates import Template
from solutions.lambda_runtime import APP_DIR
from solutions.pipeline import PipelineStack

pytestmark = pytest.mark.skipif(_env.node_executable() is None, reason="no Node: run make setup")


@pytest.fixture(scope="module")
def pipeline() -> SynthResult:
    return synth_app(lambda app: PipelineStack(app, "P"))["P"]


def package_project(pipeline: SynthResult) -> str:
    return next(a.project for a in codebuild_actions(Template(pipeline.template)) if a.name == "Package")


@contextmanager
def repository_copy() -> Iterator[Path]:
    """A throwaway copy shaped as the pipeline's source: the function in lambda_src/."""
    with app_copy() as app:
        root = app.parent / "repository"
        root.mkdir()
        yield Path(shutil.move(app, root / APP_DIR)).parent


def test_package_action_checks_syntax_and_hands_on_the_function(pipeline: SynthResult) -> None:
    commands = action_commands(pipeline, "Package")
    assert f"npm --prefix {APP_DIR} run lint" in commands
    with repository_copy() as root:
        run = run_commands(commands, root)
        assert run.passed, run
        assert "syntax check: 3 files, 0 with errors" in run.runs[-1].output
    spec = Template(pipeline.template).buildspec(package_project(pipeline))
    assert spec is not None
    artifacts = spec.data["artifacts"]
    assert artifacts["base-directory"] == APP_DIR
    assert "src/**/*" in artifacts["files"] and not any(f.startswith("scripts") for f in artifacts["files"])


def test_package_action_fails_on_a_syntax_error(pipeline: SynthResult) -> None:
    with repository_copy() as root:
        (root / APP_DIR / "src" / "broken.mjs").write_text("export const answer = ;\n")
        run = run_commands(action_commands(pipeline, "Package"), root)
    assert not run.passed
    assert "1 with errors" in run.runs[-1].output


def test_test_stage_runs_the_unit_tests_with_a_junit_report(pipeline: SynthResult) -> None:
    with app_copy() as app:
        run = run_commands(localrun.test_action_commands(pipeline), app)
        assert run.passed, run
        report = (app / "reports" / "junit.xml").read_text()
    assert "<testsuites" in report and "failure" not in report


def test_test_stage_fails_when_a_test_fails(pipeline: SynthResult) -> None:
    with app_copy() as app:
        index = app / "src" / "index.mjs"
        index.write_text(index.read_text().replace("statusCode: 200", "statusCode: 500"))
        run = run_commands(localrun.test_action_commands(pipeline), app)
    assert not run.passed
