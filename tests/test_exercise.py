"""Learner mistakes come back as one short line, never a jsii traceback or a dead kernel."""

from __future__ import annotations

from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from pitfalls.learner.exercise import grade, hint, run_cell

SETUP = (
    "from constructs import Construct\n"
    "from aws_cdk import aws_s3 as s3, Duration\n"
)


@pytest.fixture
def ns() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(SETUP, namespace)  # noqa: S102
    return namespace


@pytest.fixture(autouse=True)
def _quiet_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)


def cell(body: str) -> str:
    return "class SourceBucket(Construct):\n    def __init__(self, scope, id):\n" \
           "        super().__init__(scope, id)\n" + body


@pytest.mark.parametrize(
    "source, expected",
    [
        (cell("        self.bucket = s3.Bucket(self, 'B', versioned=True\n"), "SyntaxError"),
        (cell("        self.bucket = s3.Bucket(self, 'B', bucketName='x')\n"),
         "unexpected keyword argument 'bucketName' (line 4 of your cell)"),
        (cell("        self.bucket = s3.Bucket(self, 'B', versioned='yes')\n"),
         "type of argument versioned must be one of (bool, NoneType)"),
        (cell("        self.bucket = s3.Bucket(self, 'B')\n        s3.Bucket(self, 'B')\n"),
         "There is already a Construct with name 'B'"),
        (cell("        pass\n"), "must set self.bucket"),
        ("x = 1\n", "define a class named SourceBucket"),
        ("raise ValueError('boom')\n", "ValueError: boom (line 1 of your cell)"),
    ],
    ids=["syntax", "camelCase", "wrong-type", "duplicate-id", "no-bucket", "no-class", "raises"],
)
def test_mistakes_give_one_line(ns: dict[str, Any], source: str, expected: str) -> None:
    g = run_cell(7, source, ns)
    assert not g.passed
    assert expected in g.error, g.error
    assert "\n" not in g.error and "Traceback" not in g.error and "jsii" not in g.error


def test_correct_cell_passes(ns: dict[str, Any]) -> None:
    src = cell(
        "        self.bucket = s3.Bucket(self, 'B', versioned=True, enforce_ssl=True,\n"
        "            lifecycle_rules=[s3.LifecycleRule(\n"
        "                noncurrent_version_expiration=Duration.days(30))])\n"
    )
    assert run_cell(7, src, ns).passed


def test_hints_are_tiered(capsys: pytest.CaptureFixture[str]) -> None:
    h1, h2, h3 = (hint(7, i) for i in (1, 2, 3))
    assert "VersioningConfiguration" in h1
    assert "versioned=True" in h2
    assert "class SourceBucket" in h3 and "solutions/s3_source_bucket.py" in h3


def test_magic_registers_and_runs() -> None:
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "pitfalls.learner.exercise")
    shell.run_cell(SETUP)
    result = shell.run_cell("%%exercise 7\n" + cell("        self.bucket = s3.Bucket(self, 'B')\n"))
    assert result.success  # the learner's failing code did not raise into the kernel


def test_grade_reports_what_is_left() -> None:
    from aws_cdk import aws_s3 as s3
    from constructs import Construct

    class Versioned(Construct):
        def __init__(self, scope: Construct, id: str) -> None:
            super().__init__(scope, id)
            self.bucket = s3.Bucket(self, "B", versioned=True, enforce_ssl=True)

    g = grade(7, Versioned)
    assert [f.check for f in g.findings] == ["PP07-NO-VERSION-EXPIRY"]


def test_related_checks_of_other_scenarios_count() -> None:
    """Exercise 12's alarms publish to an encrypted topic: without letting CloudWatch use the
    key (scenario 11's check), the alerts would be dropped, so the exercise is not passed."""
    from aws_cdk import aws_cloudwatch as cloudwatch
    from aws_cdk import aws_cloudwatch_actions as cw_actions
    from constructs import Construct

    class AlarmsWithoutKeyGrant(Construct):
        def __init__(self, scope: Any, id: str, *, pipeline: Any, projects: Any, function: Any,
                     alarm_topic: Any) -> None:
            super().__init__(scope, id)
            metrics = [(f"{n}FailedBuilds", p.metric_failed_builds()) for n, p in projects.items()]
            metrics += [("Errors", function.metric_errors()), ("Throttles", function.metric_throttles())]
            for name, metric in metrics:
                alarm = metric.create_alarm(self, name, threshold=1, evaluation_periods=1)
                alarm.add_alarm_action(cw_actions.SnsAction(alarm_topic))
            cloudwatch.Dashboard(self, "Dashboard")

    g = grade(12, AlarmsWithoutKeyGrant)
    assert not g.passed
    assert {f.check for f in g.findings} == {"PP11-KEY-BLOCKS-SERVICE"}
