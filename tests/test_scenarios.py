"""The registry of scenarios (pitfalls/scenarios.py) matches the files, and adding a scenario is
what CONTRIBUTING.md says: five files under one name, and everything else picks it up."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import NOTEBOOKS, ROOT

from pitfalls import scenarios
from pitfalls.checks import all_checks
from pitfalls.learner.exercise import get


def test_every_scenario_has_its_five_files() -> None:
    assert scenarios.numbers() == tuple(range(1, len(scenarios.numbers()) + 1)), "numbers have gaps"
    for s in scenarios.scenarios():
        for path in (s.path, s.solution_path, s.checks_path, s.exercise_path):
            assert path.is_file(), f"scenario {s.label}: no {path.relative_to(ROOT)}"
        assert get(s.number).solution.startswith(f"{s.solution_module}:")
        assert s.title and s.summary, f"{s.path.name}: no '# NN · Title' or 'What goes wrong' line"


def test_every_notebook_is_known_to_the_registry() -> None:
    on_disk = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    assert on_disk == {nb.path.name for nb in scenarios.notebooks()}


def test_checks_belong_to_the_scenario_of_their_module() -> None:
    for c in all_checks():
        module = sys.modules[c.fn.__module__]
        assert module.__name__ == scenarios.scenario(c.scenario).checks_module, c.id


def test_lookup_by_number_or_name() -> None:
    assert scenarios.notebook("7").stem == "07_s3_source_bucket"
    assert scenarios.notebook("07_s3_source_bucket.ipynb").number == 7
    assert scenarios.notebook("0").slug == "start_here"
    assert scenarios.notebook(str(scenarios.final().number)).slug == "full_pipeline"
    with pytest.raises(KeyError):
        scenarios.scenario(99)


def test_readme_and_start_here_show_the_registry() -> None:
    r = subprocess.run([sys.executable, "scripts/curriculum.py", "--check"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


# --- a throwaway scenario, added to a copy of the repository ---------------------------------------

DEMO_SOLUTION = '''\
"""Scenario 15: a queue whose failed messages go somewhere a person can look."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class WorkQueue(Construct):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        dead = sqs.Queue(self, "Dead", retention_period=Duration.days(14), enforce_ssl=True)
        self.queue = sqs.Queue(self, "Queue", enforce_ssl=True,
                               dead_letter_queue=sqs.DeadLetterQueue(queue=dead, max_receive_count=3))
'''

DEMO_CHECKS = '''\
"""Scenario 15: a queue whose failed messages go somewhere a person can look."""

from __future__ import annotations

from collections.abc import Iterator

from pitfalls.checks import Violation, check
from pitfalls.templates import Template


@check(id="PP15-NO-DEAD-LETTER-QUEUE", scenario=15, severity="error",
       requirement="A work queue sends messages that keep failing to a dead-letter queue.",
       rationale="Without one, a poison message is retried until it expires, and then it is lost.",
       fix="sqs.Queue(..., dead_letter_queue=sqs.DeadLetterQueue(queue=dead, max_receive_count=3))",
       source_url="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
                  "sqs-dead-letter-queues.html")
def no_dead_letter_queue(t: Template) -> Iterator[Violation]:
    targets = {str(q.get("Properties", {}).get("RedrivePolicy", {}).get("deadLetterTargetArn"))
               for _, q in t.resources("AWS::SQS::Queue")}
    for lid, body in t.resources("AWS::SQS::Queue"):
        props = body.get("Properties") or {}
        if "RedrivePolicy" not in props and not any(lid in target for target in targets):
            yield lid, "no RedrivePolicy: messages that keep failing are never set aside"
'''

DEMO_EXERCISE = '''\
"""Exercise 15: a work queue with a dead-letter queue."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register


def harness(stack: Any, cls: type) -> None:
    cls(stack, "Work")


register(Exercise(
    scenario=15, class_name="WorkQueue", task="Write WorkQueue(scope, id) that sets self.queue.",
    harness=harness,
    hints=("AWS::SQS::Queue needs a RedrivePolicy.", "sqs.Queue(..., dead_letter_queue=...)"),
    solution="solutions.demo_scenario:WorkQueue",
))
'''

FIXTURES = {
    "noncompliant.yaml": "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n",
    "compliant.yaml": textwrap.dedent("""\
        Resources:
          Dead:
            Type: AWS::SQS::Queue
          Queue:
            Type: AWS::SQS::Queue
            Properties:
              RedrivePolicy:
                deadLetterTargetArn: {"Fn::GetAtt": [Dead, Arn]}
                maxReceiveCount: 3
        """),
}

DEMO_CELLS: list[tuple[str, str, str | None]] = [
    ("markdown", "# 15 · Demo scenario\n\n**What goes wrong:** poison messages retried for ever.\n\n"
                 "**The requirement, in two sentences.** Failed messages go to a dead-letter queue.",
     None),
    ("code", "%load_ext pitfalls.notebook\nfrom aws_cdk import aws_sqs as sqs\n"
             "from constructs import Construct\n\nfrom pitfalls.notebook import evidence, show_code, "
             "synth_in_harness", "setup"),
    ("code", "class HurriedWorkQueue(Construct):\n    def __init__(self, scope, id):\n"
             "        super().__init__(scope, id)\n        self.queue = sqs.Queue(self, 'Queue')\n\n\n"
             "broken = synth_in_harness(15, HurriedWorkQueue)", "broken"),
    ("code", "evidence(broken, 15)", "evidence"),
    ("code", "from solutions.demo_scenario import WorkQueue\n\nshow_code(WorkQueue)\n"
             "fixed = synth_in_harness(15, WorkQueue)", "fixed"),
    ("code", "%%exercise 15\nclass WorkQueue(Construct):\n    def __init__(self, scope, id):\n"
             "        super().__init__(scope, id)\n        self.queue = sqs.Queue(self, 'Queue')",
     "exercise"),
    ("markdown", "## Recap\n\n- A work queue has a dead-letter queue.", None),
]


def _demo_notebook() -> str:
    cells = []
    for kind, source, tag in DEMO_CELLS:
        cell: dict[str, object] = {"cell_type": kind, "metadata": {"tags": [tag]} if tag else {},
                                   "source": source}
        if kind == "code":
            cell.update(execution_count=1, outputs=[])
        cells.append(cell)
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _copy_of_the_repository(dest: Path) -> Path:
    listed = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    tracked = subprocess.run(listed, cwd=ROOT, capture_output=True, check=True)
    for name in tracked.stdout.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.mark.slow
def test_adding_a_scenario_is_five_files(tmp_path: Path) -> None:
    repo = _copy_of_the_repository(tmp_path / "repo")
    final = scenarios.final()
    (repo / "notebooks" / final.path.name).rename(repo / "notebooks" / f"16_{final.slug}.ipynb")
    (repo / "notebooks" / "15_demo_scenario.ipynb").write_text(_demo_notebook())
    (repo / "solutions" / "demo_scenario.py").write_text(DEMO_SOLUTION)
    (repo / "pitfalls" / "checks" / "s15_demo_scenario.py").write_text(DEMO_CHECKS)
    (repo / "pitfalls" / "learner" / "exercises" / "e15_demo_scenario.py").write_text(DEMO_EXERCISE)
    fixtures = repo / "tests" / "fixtures" / "checks" / "PP15-NO-DEAD-LETTER-QUEUE"
    fixtures.mkdir(parents=True)
    for name, text in FIXTURES.items():
        (fixtures / name).write_text(text)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], cwd=repo, capture_output=True, text=True,
                              timeout=600)

    registry = run("-c", "from pitfalls import scenarios as s; "
                         "print(s.span(), s.scenario(15).title, s.final().stem)")
    assert registry.stdout.split() == ["1-15", "Demo", "scenario", "16_full_pipeline"], registry.stderr
    listed = run("-m", "pitfalls", "checks", "--scenario", "15")
    assert listed.returncode == 0 and "PP15-NO-DEAD-LETTER-QUEUE" in listed.stdout, listed.stderr
    flagged = run("-m", "pitfalls", "check", str(fixtures / "noncompliant.yaml"), "--scenario", "15")
    assert flagged.returncode == 1 and "PP15-NO-DEAD-LETTER-QUEUE" in flagged.stdout
    clean = run("-m", "pitfalls", "check", str(fixtures / "compliant.yaml"), "--scenario", "15")
    assert clean.returncode == 0, clean.stdout

    assert run("scripts/curriculum.py", "--check").returncode == 1  # README is behind
    assert run("scripts/curriculum.py").returncode == 0
    readme = (repo / "README.md").read_text()
    assert re.search(r"\| 15 \| \[Demo scenario\]\(notebooks/15_demo_scenario.ipynb\) \| poison", readme)

    tests = run("-m", "pytest", "-q", "-rA", "tests/test_checks.py",
                "tests/test_scenarios.py", "tests/test_notebooks.py", "-k",
                "PP15 or 15 or registry or five_files or known", "--deselect",
                "tests/test_scenarios.py::test_adding_a_scenario_is_five_files",
                "--deselect", "tests/test_notebooks.py::test_every_notebook_has_committed_outputs")
    assert tests.returncode == 0, tests.stdout[-3000:]
    passed = set(re.findall(r"^PASSED (\S+)", tests.stdout, re.M))
    for name in ("test_checks.py::test_flags_noncompliant[PP15-NO-DEAD-LETTER-QUEUE]",
                 "test_checks.py::test_passes_compliant[PP15-NO-DEAD-LETTER-QUEUE]",
                 "test_notebooks.py::test_broken_is_flagged[15]",
                 "test_notebooks.py::test_fixed_is_clean[15]",
                 "test_notebooks.py::test_fix_shown_is_the_solution[15]",
                 "test_notebooks.py::test_exercise_grades_solution_and_broken[15]",
                 "test_notebooks.py::test_cells_in_pattern_order[15]",
                 "test_scenarios.py::test_every_scenario_has_its_five_files",
                 "test_scenarios.py::test_every_notebook_is_known_to_the_registry"):
        assert f"tests/{name}" in passed, f"{name} did not pass in the copy:\n{tests.stdout[-2000:]}"
