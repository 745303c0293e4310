"""Learner mistakes come back as one short line, never a jsii traceback or a dead kernel."""

from __future__ import annotations

from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from pitfalls.learner.exercise import grade, hint, run_cell
from pitfalls.learner.exercises.harness import each
from pitfalls.templates.template import Template

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
    return "class ReportsBucket(Construct):\n    def __init__(self, scope, id):\n" \
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
        ("x = 1\n", "define a class named ReportsBucket"),
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
        "                noncurrent_version_transitions=[s3.NoncurrentVersionTransition(\n"
        "                    storage_class=s3.StorageClass.INFREQUENT_ACCESS,\n"
        "                    transition_after=Duration.days(30))],\n"
        "                noncurrent_version_expiration=Duration.days(90))])\n"
    )
    assert run_cell(7, src, ns).passed


def test_hints_are_tiered(capsys: pytest.CaptureFixture[str]) -> None:
    h1, h2, h3 = (hint(7, i) for i in (1, 2, 3))
    assert "NoncurrentVersionTransitions" in h1 and "https://docs.aws.amazon.com/" in h1
    assert "s3.NoncurrentVersionTransition(" in h2
    assert "class ReportsBucket" in h3
    assert "pitfalls/learner/exercises/answers/e07_s3_source_bucket.py" in h3


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
    assert [f.check for f in g.findings] == [
        "PP07-NO-VERSION-EXPIRY", "E07-NONCURRENT-DAYS", "E07-NONCURRENT-TO-IA"]
    # The ticket's requirements say what the code did to the learner's bucket.
    assert "no enabled lifecycle rule expires its noncurrent versions" in g.summary()


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
    # The ticket's latency alarm aside (its own requirements), the key is what is left.
    assert {f.check for f in g.findings if f.tool != "exercise"} == {"PP11-KEY-BLOCKS-SERVICE"}


def test_magic_counts_its_own_line() -> None:
    """A typo on the editor's line 5 (the %%exercise line is line 1) is reported as line 5."""
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "pitfalls.learner.exercise")
    shell.run_cell(SETUP)
    src = "%%exercise 7\n" + cell("        self.bucket = s3.Bucket(self, 'B', versioned=True\n")
    with capture_output():
        shell.run_cell(src)
    got = run_cell(7, src.split("\n", 1)[1], shell.user_ns, first_line=2)
    assert got.error.startswith("SyntaxError") and "(line 5 of your cell)" in got.error, got.error


@pytest.mark.parametrize("n", __import__("pitfalls.scenarios", fromlist=["numbers"]).numbers(),
                         ids=lambda n: f"{n:02d}")
def test_last_hint_passes_when_pasted(n: int) -> None:
    """The solution hint is the whole cell: pasted into a namespace where nothing was imported
    (the setup cell not run), it defines the class and passes."""
    from pitfalls.learner.exercise import get

    cell_text = get(n).solution_cell()
    assert cell_text.startswith(f"%%exercise {n}\n")
    g = run_cell(n, cell_text, {}, first_line=1)
    assert g.passed, g.summary()


def test_untouched_starter_is_graded_not_recorded(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pitfalls.learner import progress
    from pitfalls.learner.exercise import get

    monkeypatch.setenv("PITFALLS_PROGRESS_FILE", str(tmp_path / "p.json"))
    ns: dict[str, Any] = {}
    exec(SETUP, ns)  # noqa: S102
    starter = get(7).starter
    assert not run_cell(7, "\n" + starter + "\n", ns).passed  # blank lines around: still the starter
    assert not (tmp_path / "p.json").exists()
    run_cell(7, starter.replace("'Bucket'", "'B'").replace('"Bucket"', '"B"'), ns)
    assert progress.load(tmp_path / "p.json")[7].attempts == 1


def test_wrong_type_names_the_property_and_the_value(ns: dict[str, Any]) -> None:
    ns["iam"] = __import__("aws_cdk.aws_iam", fromlist=["Role"])
    g = run_cell(7, cell("        iam.Role(self, 'R', assumed_by='codebuild.amazonaws.com')\n"), ns)
    assert "assumed_by (assumedBy) must be aws_iam.IPrincipal, not a string 'codebuild.amazonaws.com'" \
        in g.error, g.error
    assert "(line 4 of your cell)" in g.error


def test_name_error_points_at_the_setup_cell() -> None:
    g = run_cell(7, cell("        self.bucket = s3.Bucket(self, 'B')\n"), {})
    assert "NameError" in g.error and "setup cell" in g.error, g.error


def test_course_findings_first_and_tool_findings_grouped() -> None:
    from pitfalls.learner.exercise import get

    ns: dict[str, Any] = {}
    exec(get(2).solution_cell().split("\n", 1)[1], ns)  # noqa: S102 (for the imports)
    exec("from solutions.versioning_and_rollback import ALIAS_NAME", ns)  # noqa: S102
    g = run_cell(2, get(2).starter, ns)
    lines = g.finding_lines()
    assert lines[0].startswith("PP02-")
    iam5 = [ln for ln in lines if ln.startswith("AwsSolutions-IAM5 ")]
    assert len(iam5) == 1 and "Action::s3:GetObject*" in iam5[0], lines


def test_pasting_over_the_magic_line_warns(capsys: pytest.CaptureFixture[str]) -> None:
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "pitfalls.learner.exercise")
    shell.run_line_magic("load_ext", "pitfalls.learner.exercise")  # the setup cell loads it again
    shell.run_cell(SETUP)
    shell.run_cell(cell("        self.bucket = s3.Bucket(self, 'B')\n"))
    err = capsys.readouterr().err
    assert err.count("Not graded: this cell defines ReportsBucket without the `%%exercise 7` line") == 1
    shell.run_cell("class Other:\n    pass\n")
    assert "Not graded" not in capsys.readouterr().err


def test_hint_area_reads_before_the_cell_runs() -> None:
    """The hint area's display carries text and HTML forms besides the widget: JupyterLab shows
    the HTML of a committed output it has not seen run, instead of the widget's raw repr."""
    from pitfalls.learner.exercise import Grade, get, hint_buttons

    area = hint_buttons(get(7), Grade(False))
    bundle = area._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Show hint 1 of 3" in bundle["text/html"] and "hint(7, 1)" in bundle["text/html"]
    assert "VBox" not in bundle["text/plain"] and "hint(7, 1)" in bundle["text/plain"]
    for n in (1, 2, 3):
        area.reveal()
        assert area.button.description == ("All hints shown" if n == 3 else f"Show hint {n + 1} of 3")
    assert "%%exercise 7" in area.out.value and area.button.disabled


def test_hint_1_links_the_documentation() -> None:
    from pitfalls.learner.exercise import Grade, get, hint_buttons

    area = hint_buttons(get(7), Grade(False))
    area.reveal()
    url = get(7).docs[0]
    assert f"<a href='{url}' target='_blank' rel='noopener'>{url}</a>" in area.out.value


def _queues(t: Template) -> list[str]:
    return [lid for lid, _ in t.resources("AWS::SQS::Queue")]


def _named(t: Template, lid: str) -> str:
    name = t.props(lid).get("QueueName")
    return "" if name == "audit" else f"its QueueName is {name}"


def _queues_named(*names: str) -> Template:
    return Template({"Resources": {f"Q{i}": {"Type": "AWS::SQS::Queue",
                                              "Properties": {"QueueName": n}}
                                   for i, n in enumerate(names)}}, name="Exercise")


def test_each_judges_every_resource_and_says_when_there_is_none() -> None:
    every, one = each(_queues, "SQS queue")(_named), each(_queues, "SQS queue", one_will_do=True)(_named)
    assert every(_queues_named()) == one(_queues_named()) == [("", "it creates no SQS queue")]
    assert every(_queues_named("x", "audit", "y")) == [("Q0", "its QueueName is x"),
                                                      ("Q2", "its QueueName is y")]
    assert one(_queues_named("x", "audit", "y")) == []
    assert one(_queues_named("x", "y")) == every(_queues_named("x", "y")) == [
        ("Q0", "its QueueName is x"), ("Q1", "its QueueName is y")]
    assert every(_queues_named("audit")) == []
