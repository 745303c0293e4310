"""The Lambda app the pipeline ships: `make test` runs the commands of the pipeline's build and
test stages, read from the synthesized full pipeline, on a copy of `lambda_src`."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from pitfalls import _env
from pitfalls.evidence import localrun
from pitfalls.evidence.localrun import action_commands, app_copy, run_commands
from pitfalls.evidence.synth import SynthResult, synth_app
from solutions.pipeline import PipelineStack

pytestmark = pytest.mark.skipif(_env.node_executable() is None, reason="no Node: run make setup")


@pytest.fixture(scope="module")
def pipeline() -> SynthResult:
    return synth_app(lambda app: PipelineStack(app, "P"))["P"]


def test_build_stage_checks_syntax_and_packages_the_function(pipeline: SynthResult) -> None:
    if shutil.which("zip") is None:
        pytest.skip("the build stage packages with zip, which this machine lacks")
    commands = action_commands(pipeline, "Build")
    assert "npm run lint" in commands
    with app_copy() as app:
        run = run_commands(commands, app)
        assert run.passed, run
        assert "syntax check: 3 files, 0 with errors" in run.runs[0].output
        names = set(zipfile.ZipFile(app / "function.zip").namelist())
    assert {"package.json", "src/index.mjs"} <= names
    assert not any(n.startswith(("test/", "scripts/")) for n in names)


def test_build_stage_fails_on_a_syntax_error(pipeline: SynthResult) -> None:
    with app_copy() as app:
        (app / "src" / "broken.mjs").write_text("export const answer = ;\n")
        run = run_commands(action_commands(pipeline, "Build"), app)
    assert not run.passed
    assert "1 with errors" in run.runs[-1].output
    assert not (app / "function.zip").exists()


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
