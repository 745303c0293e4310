"""Each scenario notebook: the `broken` cell is flagged by its scenario, the `fixed` cell is clean,
the code it shows as the fix is the code in solutions/, and its exercise grades both ways."""

from __future__ import annotations

import json

import pytest
from conftest import notebook_cells, run_tagged_cells, scenario_notebook

from pitfalls import scenarios
from pitfalls.learner.exercise import get, grade

# Every scenario of the registry is held to the pattern.
SCENARIOS = scenarios.numbers()
ROLES = ("broken", "evidence", "fixed", "exercise")


@pytest.fixture(scope="module", params=SCENARIOS, ids=lambda n: f"{n:02d}")
def notebook(request: pytest.FixtureRequest) -> tuple[int, dict]:  # type: ignore[type-arg]
    n = request.param
    return n, run_tagged_cells(scenario_notebook(n), "setup", "broken", "fixed")


def test_broken_is_flagged(notebook: tuple[int, dict]) -> None:  # type: ignore[type-arg]
    n, ns = notebook
    # Flagged at any severity: many scenarios teach a practice (warning), not a failure (error).
    assert ns["broken"].findings_for(n), f"scenario {n}: broken cell not flagged"


def test_fixed_is_clean(notebook: tuple[int, dict]) -> None:  # type: ignore[type-arg]
    n, ns = notebook
    assert ns["fixed"].findings_for(n) == []


def test_fix_shown_is_the_solution(notebook: tuple[int, dict]) -> None:  # type: ignore[type-arg]
    n, _ = notebook
    fixed_src = "\n".join(notebook_cells(scenario_notebook(n), "fixed"))
    module, name = get(n).solution.split(":")
    assert f"from {module} import {name}" in fixed_src
    assert f"show_code({name})" in fixed_src


def test_exercise_grades_solution_and_broken(notebook: tuple[int, dict]) -> None:  # type: ignore[type-arg]
    n, ns = notebook
    ex = get(n)
    assert grade(n, ex.solution_class()).passed
    hurried = next(v for k, v in ns.items() if k.startswith("Hurried") and isinstance(v, type))
    g = grade(n, hurried)
    assert not g.passed and g.findings and not g.error
    assert "Not yet" in g.summary()


@pytest.mark.parametrize("n", SCENARIOS)
def test_cells_in_pattern_order(n: int) -> None:
    nb = json.loads(scenario_notebook(n).read_text())
    roles = []
    for c in nb["cells"]:
        for tag in c.get("metadata", {}).get("tags", []):
            if tag in ROLES and (not roles or roles[-1] != tag):
                roles.append(tag)
    assert roles == list(ROLES), roles
    assert nb["cells"][0]["cell_type"] == "markdown"
    assert "requirement" in "".join(nb["cells"][0]["source"]).lower()
    assert "recap" in "".join(nb["cells"][-1]["source"]).lower()


@pytest.mark.parametrize("n", SCENARIOS)
def test_exercise_cell_uses_the_magic(n: int) -> None:
    (src,) = notebook_cells(scenario_notebook(n), "exercise")
    assert src.startswith(f"%%exercise {n}\n")
    assert f"class {get(n).class_name}(" in src


def test_every_notebook_has_committed_outputs() -> None:
    for path in (nb.path for nb in scenarios.notebooks()):
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(c.get("execution_count") for c in code), f"{path.name} has unexecuted cells"
        errors = [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
        assert not errors, f"{path.name} has error outputs"
        streams = [
            o for c in code for o in c.get("outputs", [])
            if o["output_type"] == "stream" and o["name"] == "stderr"
        ]
        assert not streams, f"{path.name} has stderr output: {streams[0]['text'][:200]}"


def test_relative_links_lead_somewhere() -> None:
    """Every relative link in the notebooks' text and the Markdown docs names a file that exists."""
    import re

    from conftest import ROOT

    docs = [*ROOT.glob("*.md"), *(ROOT / "docs").glob("*.md")]
    texts = [(p, p.read_text()) for p in docs]
    for nb_path in (nb.path for nb in scenarios.notebooks()):
        cells = json.loads(nb_path.read_text())["cells"]
        texts += [(nb_path, "".join(c["source"])) for c in cells if c["cell_type"] == "markdown"]
    broken = [
        f"{path.name}: {target}"
        for path, text in texts
        for target in re.findall(r"\]\(([^)\s]+)\)", text)
        if not re.match(r"[a-z]+:|#", target) and not (path.parent / target.split("#")[0]).exists()
    ]
    assert not broken, broken
    assert "/OWNER/" not in (ROOT / "README.md").read_text()  # no link to a placeholder


def test_no_cell_is_taken_for_an_ungraded_exercise() -> None:
    """The warning for an exercise cell that lost its %%exercise line fires on no shipped cell."""
    from pitfalls.learner.exercise import ungraded_exercise

    for path in (nb.path for nb in scenarios.notebooks()):
        for c in json.loads(path.read_text())["cells"]:
            if c["cell_type"] == "code":
                assert not ungraded_exercise("".join(c["source"])), (path.name, c["source"][:2])
