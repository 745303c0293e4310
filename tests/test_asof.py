"""One date for the course's judgments (pitfalls/asof.py): notebooks, exercises and tests judge as of
the course's date; `check` judges a learner's app as of today or `--as-of`; doctor and 00 say what
would judge differently today. These tests hold on any day the machine's clock says."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from conftest import FIXTURES, ROOT

from pitfalls import asof
from pitfalls.checks import all_checks
from pitfalls.learner import doctor
from pitfalls.templates import Template

RUNTIME_FIXTURE = FIXTURES / "checks" / "PP05-DEPRECATED-RUNTIME" / "compliant.yaml"


def function_on(runtime: str) -> Template:
    fn = {"Type": "AWS::Lambda::Function",
          "Properties": {"Runtime": runtime, "Handler": "index.handler", "Code": {"ZipFile": "x"},
                         "Role": "arn:aws:iam::111111111111:role/f"}}
    return Template({"Resources": {"F": fn}}, "T")


def test_the_judging_date_is_the_courses_unless_told() -> None:
    assert asof.judging_date() == asof.COURSE_DATE
    with asof.as_of(date(2028, 1, 1)) as day:
        assert asof.judging_date() == day
        with asof.as_of(asof.COURSE_DATE):
            assert asof.judging_date() == asof.COURSE_DATE
        assert asof.judging_date() == day
    assert asof.judging_date() == asof.COURSE_DATE


@pytest.mark.parametrize("text, day", [("2027-12-01", date(2027, 12, 1)), (" course ", asof.COURSE_DATE)])
def test_parse_day(text: str, day: date) -> None:
    assert asof.parse_day(text) == day


@pytest.mark.parametrize("text", ["2027-13-01", "tomorrow", "1.12.2027", ""])
def test_parse_day_refuses_in_one_line(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD") as err:
        asof.parse_day(text)
    assert "\n" not in str(err.value)


def test_our_runtime_check_judges_as_of_the_judging_date() -> None:
    (check,) = [c for c in all_checks() if c.id == "PP05-DEPRECATED-RUNTIME"]
    t = function_on("nodejs24.x")
    assert check.run(t) == []  # as of the course's date
    with asof.as_of(date(2027, 11, 2)):  # 180 days before nodejs24.x's deprecation on 2028-04-30
        (found,) = check.run(t)
    assert found.message.startswith("deprecated soon: nodejs24.x is deprecated on 2028-04-30")
    with asof.as_of(date(2027, 11, 1)):
        assert check.run(t) == []
    assert doctor.runtime_supported_until("nodejs24.x") == date(2027, 11, 1)


@pytest.mark.parametrize("day, rules", [
    (asof.COURSE_DATE, []),
    (date(2027, 5, 1), ["W2531"]),   # nodejs22.x deprecated 2027-04-30
    (date(2027, 6, 15), ["E2531"]),  # creation blocked 2027-06-01
    (date(2027, 8, 1), ["E2533"]),   # updates blocked 2027-07-01
])
def test_cfn_lint_judges_as_of_the_judging_date(day: date, rules: list[str]) -> None:
    """cfn-lint's own lifecycle rules, told the day: the clock of this machine does not matter."""
    from pitfalls.checks.tools import cfn_lint_findings

    with asof.as_of(day):
        found = [f.check for f in cfn_lint_findings(function_on("nodejs22.x"))]
    assert found == rules


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pitfalls", "check", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_check_judges_a_learners_app_as_of_the_day_asked() -> None:
    r = run_check("--as-of", "2027-12-01", "--scenario", "5", str(RUNTIME_FIXTURE))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "PP05-DEPRECATED-RUNTIME" in r.stdout and "deprecated soon" in r.stdout
    assert r.stdout.rstrip().endswith("Judged as of 2027-12-01.")
    r = run_check("--as-of", "course", "--scenario", "5", str(RUNTIME_FIXTURE))
    assert r.returncode == 0, r.stdout
    assert r.stdout.rstrip().endswith(f"Judged as of {asof.COURSE_DATE}.")


def test_check_judges_as_of_today_by_default() -> None:
    r = run_check("--scenario", "5", str(RUNTIME_FIXTURE))
    assert r.stdout.rstrip().endswith(f"Judged as of {date.today()}.")
    flagged = "PP05-DEPRECATED-RUNTIME" in r.stdout
    assert flagged is (date.today() > doctor.runtime_supported_until("nodejs24.x"))  # type: ignore[operator]


def test_check_refuses_a_bad_date_in_one_line() -> None:
    r = run_check("--as-of", "next week", str(RUNTIME_FIXTURE))
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == ("pitfalls: error: --as-of: not a date: 'next week' "
                                "(write YYYY-MM-DD, 'today' or 'course')")


def test_nothing_moves_on_the_courses_date() -> None:
    assert doctor.what_moved(asof.COURSE_DATE) == []


def test_what_moved_on_a_later_day() -> None:
    moved = {m.subject: m for m in doctor.what_moved(date(2028, 6, 1))}
    ours = moved["Lambda runtime nodejs24.x (the course's)"]
    assert (ours.then, ours.now) == ("supported", "create blocked")
    assert "since 2028-06-01" in ours.why
    assert (moved["Lambda runtime nodejs22.x"].then, moved["Lambda runtime nodejs22.x"].now) == (
        "deprecated soon", "update blocked")
    node = moved["Node.js 24 (jsii, CDK CLI)"]  # the pinned Node, past its end of life on 2028-04-30
    assert (node.then, node.now) == ("supported", "past end of life")


def test_node_moves_read_jsiis_table() -> None:
    releases = doctor.parse_node_releases(doctor.jsii_runtime_file().read_text())  # type: ignore[union-attr]
    assert doctor.node_moves("24.19.0", releases, asof.COURSE_DATE) == []
    (gone,) = doctor.node_moves("24.19.0", releases, date(2028, 10, 31))
    assert gone.now == "unsupported" and "after 2028-10-30" in gone.why
    assert doctor.node_moves("nonesuch", releases, date(2030, 1, 1)) == []


def test_report_states_the_date_and_what_moved() -> None:
    day = date(2027, 12, 1)
    text = repr(doctor.Report([], day=day, moved=doctor.what_moved(day)))
    assert f"Judged as of {asof.COURSE_DATE}, the course's date" in text
    assert "Today, 2027-12-01, 6 judgment(s) differ:" in text
    assert "nodejs24.x (the course's)  supported -> deprecated soon" in text
    assert text.endswith("All good: the course is ready.")
    assert max(len(ln) for ln in text.splitlines()) <= doctor.REPORT_WIDTH  # on any date
    quiet = repr(doctor.Report([], day=asof.COURSE_DATE))
    assert f"Today, {asof.COURSE_DATE}, nothing judges differently." in quiet


def test_the_drift_job_reports_the_calendar_too() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import drift

    assert drift.calendar_report().startswith(f"Judged as of {asof.COURSE_DATE}")
