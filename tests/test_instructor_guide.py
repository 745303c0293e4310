"""docs/instructor-guide.md is what scripts/instructor_guide.py generates, and what it shows for each
exercise is what the `%%exercise` cell itself reports."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import instructor_guide as guide  # noqa: E402
from instructor_guide_stops import STOPS, Stop  # noqa: E402

from pitfalls import scenarios  # noqa: E402


def test_committed_guide_is_up_to_date() -> None:
    assert guide.GUIDE.read_text() == guide.render(), "stale: run python scripts/instructor_guide.py"


def test_every_exercise_has_half_fixes_and_each_changes_the_code() -> None:
    """Every scenario's exercise, and the final notebook's capstone."""
    assert sorted(STOPS) == [*scenarios.numbers(), scenarios.final().number]
    for n, stops in STOPS.items():
        assert len(stops) >= 3, f"scenario {n}: fewer than three typical stops"
        start = guide.starter(n)
        for stop in stops:
            assert guide.apply(start, stop, n) != start, f"scenario {n}: {stop.label!r} changes nothing"


@pytest.mark.parametrize("n, index", [(7, 1), (1, 0), (13, 2)])
def test_the_guide_reports_what_the_exercise_cell_shows(n: int, index: int, monkeypatch: Any) -> None:
    """run_cell (the %%exercise magic) and the script's check_source agree, message for message."""
    import IPython.display

    from pitfalls.learner.exercise import run_cell

    shown: list[Any] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: shown.extend(objs))
    source = guide.apply(guide.starter(n), STOPS[n][index], n)
    ours = guide.check_source(n, source, guide.notebook_namespace(n))
    theirs = run_cell(n, source, guide.notebook_namespace(n))
    assert ours.summary() == theirs.summary()
    assert not ours.passed and ours.findings
    assert repr(shown[0]).startswith(ours.summary())


def test_an_edit_that_no_longer_applies_names_the_stop() -> None:
    stop = Stop("a stop written for another starter", (("no such text in the cell", "x"),))
    with pytest.raises(SystemExit, match="scenario 7, stop 'a stop written for another starter'.*0 times"):
        guide.apply(guide.starter(7), stop, 7)


def test_a_guide_without_a_block_is_refused() -> None:
    text = "<!-- generated:times -->\nold\n<!-- /generated:times -->\n"
    assert guide.fill(text, {"times": "new"}) == "<!-- generated:times -->\nnew\n<!-- /generated:times -->\n"
    with pytest.raises(SystemExit, match="lacks the generated block.*agenda-half-day"):
        guide.fill(text, {"times": "new", "agenda-half-day": "x"})
    with pytest.raises(SystemExit, match="unknown generated block.*times"):
        guide.fill(text, {})


def test_objectives_come_from_the_notebooks() -> None:
    for n in guide.numbers():
        assert guide.objectives(n), f"notebook {n:02d}: no objectives found in its first cell"
        block = guide.render_objectives(n)
        assert all(o in block for o in guide.objectives(n))


def test_agendas_add_up() -> None:
    for name in guide.AGENDAS:
        _, slots = guide.AGENDAS[name]
        total = sum(guide.minutes(s) if isinstance(s, int) else s[1] for s in slots)
        table = guide.render_agenda(name, {"notebooks": {}})
        assert f"({total // 60} h {total % 60:02d} min)" in table
    full = {s for s in guide.AGENDAS["full-day"][1] if isinstance(s, int)}
    assert full == set(guide.numbers()), "the full day covers every notebook"
