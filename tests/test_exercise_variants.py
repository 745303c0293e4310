"""Every scenario's exercise is a variant of its notebook's lesson: the fix the notebook shows does
not pass, the reference answer does, and the notebook's starter fails with the findings it promises.
(The final notebook's capstone has tests of its own: tests/test_capstone.py.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import instructor_guide as guide  # noqa: E402

from pitfalls import scenarios  # noqa: E402
from pitfalls.learner.exercise import get, grade  # noqa: E402

VARIANTS = [n for n in scenarios.numbers() if get(n).is_variant]


def test_every_scenario_has_a_variant() -> None:
    assert VARIANTS == list(scenarios.numbers()), "an exercise asks for the notebook's own fix"


@pytest.mark.parametrize("n", VARIANTS, ids=lambda n: f"{n:02d}")
def test_the_shown_fix_is_not_the_answer(n: int) -> None:
    """The notebook's fix synthesizes in the exercise's harness and fails the ticket's own
    requirements, each finding naming the resource and what the code did to it."""
    g = grade(n, get(n).solution_class())
    assert not g.passed and not g.error, g.summary()
    ours = {r.id for r in get(n).requirements}
    unmet = [f for f in g.findings if f.check in ours]
    assert unmet, g.summary()
    # What the code did comes first, then the ticket's words: never the ask alone.
    assert all(not f.message.startswith("; the ticket asks") for f in unmet)
    assert all("the ticket asks:" in line for line in g.finding_lines() if line.split()[0] in ours)


@pytest.mark.parametrize("n", VARIANTS, ids=lambda n: f"{n:02d}")
def test_the_reference_answer_passes(n: int) -> None:
    ex = get(n)
    assert ex.answer.startswith("pitfalls.learner.exercises.answers."), ex.answer
    g = grade(n, ex.answer_class())
    assert g.passed, g.summary()


@pytest.mark.parametrize("n", VARIANTS, ids=lambda n: f"{n:02d}")
def test_the_starter_fails_with_what_the_notebook_promises(n: int) -> None:
    ex = get(n)
    assert guide.starter(n) == ex.starter, "the notebook's exercise cell is not the exercise's starter"
    g = guide.check_source(n, ex.starter, guide.notebook_namespace(n))
    assert not g.error, g.error
    assert ex.promised and set(ex.promised) <= {f.check for f in g.findings}, g.summary()
    markdown = "".join("".join(c["source"]) for c in guide.cells(n) if c["cell_type"] == "markdown")
    for check in ex.promised:
        assert f"`{check}`" in markdown, f"notebook {n:02d} does not tell the learner about {check}"


@pytest.mark.parametrize("n", VARIANTS, ids=lambda n: f"{n:02d}")
def test_hints_point_at_the_documentation(n: int) -> None:
    ex = get(n)
    # Primary sources only: AWS's documentation (and a language's own, for its runtime).
    assert ex.docs and all(url.startswith(("https://docs.aws.amazon.com/", "https://docs.python.org/"))
                           for url in ex.docs)
    from pitfalls.learner.exercise import Feedback, Grade

    (t1, h1), (t2, h2), (t3, h3) = Feedback(ex, Grade(False)).hints()
    assert all(url in h1 for url in ex.docs)
    assert f"class {ex.class_name}" in h3 and ex.answer_path() in t3
    assert f"class {ex.class_name}" not in h1 + h2  # the code comes last
