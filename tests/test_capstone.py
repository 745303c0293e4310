"""The capstone at the end of the final notebook: Sam's pipeline, graded like every exercise.

Its starter (the notebook's `%%exercise` cell) fails with a finding for each planted defect and
synthesizes; the reference answer passes; the release refuses what does not pass, and releases
the answer through its own pipeline on the local AWS (slow: a deploy and an execution).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import instructor_guide as guide  # noqa: E402

from pitfalls import scenarios  # noqa: E402
from pitfalls.learner.capstone import release_capstone  # noqa: E402
from pitfalls.learner.exercise import Feedback, Grade, get, grade  # noqa: E402
from pitfalls.learner.exercises import capstone  # noqa: E402

N = capstone.NUMBER


def test_the_capstone_is_the_final_notebooks_exercise_not_a_scenario() -> None:
    assert N == scenarios.final().number and N not in scenarios.numbers()
    assert get(N).covers == scenarios.numbers()


def test_the_starter_fails_with_a_finding_per_planted_defect() -> None:
    ex = get(N)
    assert guide.starter(N) == ex.starter, "the notebook's exercise cell is not the capstone's starter"
    g = guide.check_source(N, ex.starter, guide.notebook_namespace(N))
    assert not g.error, g.error
    found = {f.check for f in g.findings}
    assert set(capstone.DEFECTS) <= found, g.summary()
    # Seven defects from seven scenarios, none of them the finding of one scenario alone.
    assert len({check.split("-")[0] for check in capstone.DEFECTS}) == len(capstone.DEFECTS)
    # Nothing else: every finding belongs to a planted defect's scenario.
    planted = {check.split("-")[0] for check in capstone.DEFECTS}
    assert {f.check.split("-")[0] for f in g.findings} <= planted, g.summary()


def test_the_notebook_does_not_give_the_findings_away() -> None:
    markdown = "".join("".join(c["source"]) for c in guide.cells(N) if c["cell_type"] == "markdown")
    assert "seven defects" in markdown and len(capstone.DEFECTS) == 7
    for check in capstone.DEFECTS:
        assert check not in markdown, f"the notebook names {check} before the learner finds it"


def test_the_answer_passes() -> None:
    ex = get(N)
    assert ex.answer.startswith("pitfalls.learner.exercises.answers."), ex.answer
    g = grade(N, ex.answer_class())
    assert g.passed, g.summary()


def test_hints_point_at_the_documentation_and_end_with_the_answer() -> None:
    ex = get(N)
    (_, h1), (_, h2), (t3, h3) = Feedback(ex, Grade(False)).hints()
    assert ex.docs and all(url.startswith("https://docs.aws.amazon.com/") and url in h1
                           for url in ex.docs)
    assert "class OrdersPipeline" in h3 and ex.answer_path() in t3
    assert "class OrdersPipeline" not in h1 + h2


def test_a_pipeline_with_findings_is_not_released(capsys: pytest.CaptureFixture[str]) -> None:
    ns: dict[str, object] = {}
    exec(compile(get(N).starter, "<starter>", "exec"), ns)  # noqa: S102 (the course's own starter)
    starter: type = ns["OrdersPipeline"]  # type: ignore[assignment]
    assert release_capstone(starter) is None
    out = capsys.readouterr().out.strip()
    assert out.startswith("Not released:") and "\n" not in out, out
    assert f"{len(grade(N, starter).findings)} finding(s) left" in out, out


@pytest.mark.slow
def test_the_answer_releases_through_its_own_pipeline(capsys: pytest.CaptureFixture[str]) -> None:
    release = release_capstone(get(N).answer_class())
    out = capsys.readouterr().out
    assert release is not None and release.succeeded, out
    run = release.run
    assert [r.stage for r in run.rows][0] == "Source" and run.rows[-1].stage == "Deploy", run
    assert "upload" in run.trigger, run.trigger  # started by the trail's record of the upload
    assert repr(release).endswith('Released: pipeline-pitfalls-dev-app:live answers {"ok":true,'
                                  '"stage":"dev","version":"1","path":"/"}'), repr(release)
    assert "Released: " in release._repr_html_()
