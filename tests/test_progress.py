"""Progress: graded exercises are recorded in the learner's plain JSON file, atomically, without ever
breaking grading; `python -m pitfalls progress` shows it; `--mistakes` counts failures across files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import NOTEBOOKS, ROOT

from pitfalls import scenarios
from pitfalls.checks.findings import Finding
from pitfalls.learner import progress
from pitfalls.learner.exercise import Grade, record_grade, run_cell
from pitfalls.learner.progress import Progress, load, mistakes, record, show_progress


@pytest.fixture
def pfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "learner" / "progress.json"
    monkeypatch.setenv(progress.ENV_VAR, str(path))
    return path


@pytest.fixture(autouse=True)
def _quiet_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pitfalls", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})})


def test_the_test_run_never_writes_the_learners_file() -> None:
    # The repository's conftest.py points every pytest run (and the kernels nbval starts) elsewhere.
    assert Path(os.environ[progress.ENV_VAR]).parent != ROOT / ".pitfalls"
    assert progress.progress_file() != ROOT / ".pitfalls" / "progress.json"


def test_default_file_is_in_the_gitignored_state_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(progress.ENV_VAR)
    assert progress.progress_file() == ROOT / ".pitfalls" / "progress.json"
    r = subprocess.run(["git", "check-ignore", "-q", ".pitfalls/progress.json"], cwd=ROOT)
    assert r.returncode == 0


def test_scratch_file_for_maintainers_runs(pfile: Path) -> None:
    with progress.scratch("07_s3_source_bucket") as tmp:
        assert progress.progress_file() == tmp and tmp.name == "07_s3_source_bucket.json"
        record(7, False, ["x"])
        assert tmp.exists()
    assert progress.progress_file() == pfile and not tmp.exists() and not pfile.exists()


def test_every_exercise_has_its_notebook() -> None:
    names = progress.exercises()
    from pitfalls.learner.exercise import EXERCISES, get

    get(scenarios.final().number)  # the capstone is an exercise too
    assert sorted(names) == [*scenarios.numbers(), scenarios.final().number] == sorted(EXERCISES)
    for n, name in names.items():
        assert name.startswith(f"{n:02d}_") and (NOTEBOOKS / f"{name}.ipynb").is_file(), name


def test_attempts_first_pass_and_last_failure(pfile: Path) -> None:
    record(7, False, ["PP07-NO-VERSION-EXPIRY: no expiry", "AwsSolutions-S10: no SSL"])
    record(7, False, ["PP07-NO-VERSION-EXPIRY: no expiry"])
    record(7, True)
    first = load()[7].first_passed
    record(7, False, ["SyntaxError: invalid syntax (line 3 of your cell)"])
    record(7, True)
    e = load()[7]
    assert e.attempts == 5
    assert e.passed and e.first_passed == first and first  # a later failure does not undo a pass
    assert e.last_failure == ["SyntaxError: invalid syntax (line 3 of your cell)"]
    data = json.loads(pfile.read_text())  # plain JSON, keyed by the notebook number
    assert data["format"] == 1 and set(data["scenarios"]) == {"07"}
    assert data["scenarios"]["07"]["attempts"] == 5


def test_failure_lines_are_one_line_each(pfile: Path) -> None:
    f = Finding(7, "PP07-SOURCE-NOT-VERSIONED", "B", "error", "not\nversioned")
    assert Grade(False, [f]).failure_lines() == ["PP07-SOURCE-NOT-VERSIONED: not\nversioned"]
    assert Grade(False, error="x").failure_lines() == ["x"]
    record(7, False, ["a\nb   c", "y" * 1000])
    lines = load()[7].last_failure
    assert lines[0] == "a b c" and len(lines[1]) == progress.MAX_MESSAGE


def test_run_cell_records_the_grade(pfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ns: dict[str, Any] = {}
    assert not run_cell(7, "class ReportsBucket(\n", ns).passed
    assert not run_cell(7, "x = 1\n", ns).passed
    e = load()[7]
    assert e.attempts == 2 and not e.passed
    assert e.last_failure == ["define a class named ReportsBucket in this cell"]
    answer = (ROOT / "pitfalls" / "learner" / "exercises" / "answers" / "e07_s3_source_bucket.py").read_text()
    assert run_cell(7, answer, ns).passed
    assert load()[7].passed and load()[7].attempts == 3
    assert capsys.readouterr().err == ""  # nothing to warn about


def test_unwritable_file_is_one_warning_and_grading_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(progress.ENV_VAR, str(blocker / "progress.json"))  # its "directory" is a file
    g = run_cell(7, "x = 1\n", {})
    assert g.error == "define a class named ReportsBucket in this cell"  # graded all the same
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert err[0].startswith("Progress: cannot write ") and "graded" in err[0]


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"scenarios": {"07": {"attempts": "two"}}}'],
                         ids=["bad-json", "not-an-object", "wrong-type"])
def test_corrupt_file_is_kept_aside_not_overwritten(
        pfile: Path, capsys: pytest.CaptureFixture[str], text: str) -> None:
    pfile.parent.mkdir(parents=True)
    pfile.write_text(text)
    record_grade(3, Grade(False, error="boom"))
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "kept it as progress.json.unreadable-" in err[0]
    (kept,) = pfile.parent.glob("progress.json.unreadable-*")
    assert kept.read_text() == text  # the learner's bytes, untouched
    assert load()[3].attempts == 1  # and a new file with this attempt


def test_a_failed_write_leaves_the_old_file_whole(
        pfile: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    record(5, True)
    before = pfile.read_text()

    def disk_full(*a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(progress.os, "replace", disk_full)
    record_grade(5, Grade(False, error="x"))
    assert "no space left on device" in capsys.readouterr().err
    assert pfile.read_text() == before
    assert sorted(p.name for p in pfile.parent.iterdir()) == ["progress.json", "progress.json.lock"]


def test_two_kernels_recording_at_once_lose_nothing(pfile: Path) -> None:
    code = ("import sys; from pathlib import Path; from pitfalls.learner.progress import record\n"
            "for _ in range(25): record(2, False, ['x'], path=Path(sys.argv[1]))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(pfile)], cwd=ROOT) for _ in range(2)]
    assert [p.wait(60) for p in procs] == [0, 0]
    assert load()[2].attempts == 50


def test_table_text_and_html(pfile: Path) -> None:
    record(1, True)
    record(2, False, ["x"])
    record(2, False, ["x"])
    p = show_progress()
    text = repr(p)
    lines = text.splitlines()
    total = len(progress.exercises())  # the scenarios' exercises and the capstone
    assert len(lines) == 1 + total + 1
    assert lines[1].split()[:3] == ["01", "01_incomplete_pipeline_stages", "passed"]
    assert lines[2].split() == ["02", "02_iam_least_privilege", "not", "yet", "2"]
    assert lines[3].split() == ["03", "03_hardcoded_environment", "not", "attempted", "0"]
    assert lines[-1] == f"1 of {total} passed."
    assert lines[-2].split()[:2] == [f"{scenarios.final().number:02d}", scenarios.final().stem]
    html = p._repr_html_()
    assert "<a href='01_incomplete_pipeline_stages.ipynb'>" in html and f"1 of {total} passed." in html
    assert html.count("<tr>") == 1 + total


def test_show_progress_of_a_corrupt_file_warns_and_leaves_it(
        pfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pfile.parent.mkdir(parents=True)
    pfile.write_text("{")
    assert repr(show_progress()).endswith(f"0 of {len(progress.exercises())} passed.")
    assert "is not valid JSON" in capsys.readouterr().err
    assert pfile.read_text() == "{"


def test_00_shows_the_table_of_no_attempts() -> None:
    """00's committed output is what an empty file shows: nbval runs each notebook with a file of its
    own (conftest.py), so the table is the same whichever notebooks ran before."""
    nb = json.loads((NOTEBOOKS / "00_start_here.ipynb").read_text())
    (cell,) = [c for c in nb["cells"] if "show_progress()" in "".join(c["source"])]
    (out,) = cell["outputs"]
    assert "".join(out["data"]["text/plain"]) == repr(Progress({}))


def test_cli_progress(pfile: Path) -> None:
    record(7, True)
    r = cli("progress")
    assert r.returncode == 0 and r.stderr == ""
    assert f"1 of {len(progress.exercises())} passed." in r.stdout and f"Kept in {pfile}" in r.stdout
    pfile.write_text("nope")
    r = cli("progress")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "is not valid JSON" in r.stderr


def _learner(path: Path, failures: dict[int, list[str]]) -> Path:
    for n, lines in failures.items():
        record(n, False, lines, path=path)
    return path


def test_mistakes_counts_each_learner_once(tmp_path: Path) -> None:
    room = tmp_path / "room"
    room.mkdir()
    _learner(room / "ann.json", {7: ["PP07-NO-VERSION-EXPIRY: no expiry", "AwsSolutions-S10: no SSL"]})
    _learner(room / "bob.json", {7: ["PP07-NO-VERSION-EXPIRY: no expiry"],
                                 2: ["SyntaxError: '(' was never closed (line 4 of your cell)"]})
    _learner(room / "cy.json", {2: ["SyntaxError: '(' was never closed (line 9 of your cell)"]})
    (room / "broken.json").write_text("{")
    found, warnings = mistakes([room])
    assert found.files == 3
    assert len(warnings) == 1 and "broken.json" in warnings[0]
    assert found.lines(7) == [(2, "PP07-NO-VERSION-EXPIRY: no expiry"), (1, "AwsSolutions-S10: no SSL")]
    assert found.lines(2) == [(2, "SyntaxError: '(' was never closed")]  # cell line numbers differ

    r = cli("progress", "--mistakes", str(room / "ann.json"), str(room / "bob.json"))
    assert r.returncode == 0, r.stderr
    assert "2 progress file(s)" in r.stdout
    assert "07 07_s3_source_bucket: 2 learner(s) failed at least once" in r.stdout
    assert "     2  PP07-NO-VERSION-EXPIRY: no expiry" in r.stdout
    r = cli("progress", "--mistakes", str(room), "--format", "json")
    data = json.loads(r.stdout)
    assert data["files"] == 3 and data["scenarios"]["02"]["learners_failed"] == 2
    assert "skipped" in r.stderr and r.returncode == 0
    r = cli("progress", "--mistakes", str(tmp_path / "nobody.json"))
    assert r.returncode == 2 and "no readable progress file" in r.stderr
