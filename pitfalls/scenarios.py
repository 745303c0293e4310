"""The course's one list of scenarios, read from the files: nothing else spells the range.

Scenario N with the short name `slug` (07, `s3_source_bucket`) is:

    notebooks/NN_slug.ipynb                   the notebook (its `# NN · Title` heading is the title)
    solutions/slug.py                         the corrected constructs
    pitfalls/checks/sNN_slug.py               our checks (only where other tools are silent)
    pitfalls/learner/exercises/eNN_slug.py    the exercise

The exercise modules decide which scenarios exist: they ship inside the package, so the list is the
same in a checkout and in an installed wheel (which has no notebooks). `00_start_here` opens the
series and the final notebook (`NN_full_pipeline`) closes it; neither is a scenario. Reading the
registry imports nothing heavy: it globs file names, and reads a notebook only for its title.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = PACKAGE / "learner" / "exercises"
CHECKS = PACKAGE / "checks"
SOLUTIONS = ROOT / "solutions"

START_SLUG = "start_here"
FINAL_SLUG = "full_pipeline"
_MODULE = re.compile(r"^e(\d\d)_([a-z0-9_]+)\.py$")
_HEADING = re.compile(r"^#\s+\d\d\s*·\s*(.+?)\s*$", re.M)
_SUMMARY = re.compile(r"^\*\*(?:What goes wrong|In this notebook):\*\*\s*(.+?)\.?\s*$", re.M)


@dataclass(frozen=True, order=True)
class Notebook:
    """One notebook of the series: a scenario's, or the opening or final one."""

    number: int
    slug: str

    @property
    def label(self) -> str:
        return f"{self.number:02d}"

    @property
    def stem(self) -> str:
        return f"{self.label}_{self.slug}"

    @property
    def path(self) -> Path:
        return NOTEBOOKS / f"{self.stem}.ipynb"

    @property
    def title(self) -> str:
        """The notebook's `# NN · Title` heading, or the slug in words when there is no notebook."""
        found = _HEADING.search(self._intro())
        return found.group(1) if found else self.slug.replace("_", " ")

    @property
    def summary(self) -> str:
        """The intro's `**What goes wrong:**` (or `**In this notebook:**`) line, or ''."""
        found = _SUMMARY.search(self._intro())
        return found.group(1) if found else ""

    def _intro(self) -> str:
        return _first_markdown(self.path)


@dataclass(frozen=True, order=True)
class Scenario(Notebook):
    """A failure scenario: a notebook, a solution module, checks, and an exercise, under one name."""

    @property
    def solution_module(self) -> str:
        return f"solutions.{self.slug}"

    @property
    def solution_path(self) -> Path:
        return SOLUTIONS / f"{self.slug}.py"

    @property
    def checks_module(self) -> str:
        return f"pitfalls.checks.s{self.label}_{self.slug}"

    @property
    def checks_path(self) -> Path:
        return CHECKS / f"s{self.label}_{self.slug}.py"

    @property
    def exercise_module(self) -> str:
        return f"pitfalls.learner.exercises.e{self.label}_{self.slug}"

    @property
    def exercise_path(self) -> Path:
        return EXERCISES / f"e{self.label}_{self.slug}.py"


@cache
def _first_markdown(path: Path) -> str:
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else str(source)
    return ""


@cache
def scenarios() -> tuple[Scenario, ...]:
    """Every scenario, in order, from the exercise modules' file names."""
    found = (_MODULE.match(p.name) for p in EXERCISES.iterdir())
    return tuple(sorted(Scenario(int(m.group(1)), m.group(2)) for m in found if m))


def numbers() -> tuple[int, ...]:
    return tuple(s.number for s in scenarios())


def scenario(number: int) -> Scenario:
    """The scenario numbered `number`, or KeyError naming the ones there are."""
    for s in scenarios():
        if s.number == number:
            return s
    raise KeyError(f"no scenario {number} (there are {span()})")


def span() -> str:
    """The scenario numbers as a reader says them: '1-14'."""
    ns = numbers()
    return f"{ns[0]}-{ns[-1]}" if ns else "none"


def start() -> Notebook:
    return Notebook(0, START_SLUG)


def final() -> Notebook:
    """The notebook that assembles the full pipeline: numbered after the last scenario."""
    return Notebook((numbers() or (0,))[-1] + 1, FINAL_SLUG)


def notebooks() -> tuple[Notebook, ...]:
    """Every notebook of the series in reading order: start, the scenarios, the final one."""
    return (start(), *scenarios(), final())


def notebook(key: str) -> Notebook:
    """A notebook by number ('7', '07') or file name ('07_s3_source_bucket[.ipynb]'); KeyError else."""
    name = key.strip().removesuffix(".ipynb")
    for nb in notebooks():
        if name in (nb.stem, nb.label) or (name.isdigit() and int(name) == nb.number):
            return nb
    raise KeyError(name)


def curriculum_markdown(link_base: str = "notebooks/") -> str:
    """The curriculum table of README.md (and of 00_start_here, with link_base='')."""
    rows = ["| # | notebook | what goes wrong |", "|---|---|---|"]
    for nb in notebooks():
        rows.append(f"| {nb.label} | [{nb.title}]({link_base}{nb.stem}.ipynb) | {nb.summary} |")
    return "\n".join(rows) + "\n"


NAVIGATION_TAG = "navigation"


def navigation_markdown(nb: Notebook) -> str:
    """The closing links of notebook `nb`: the previous and the next notebook, and the start."""
    series = notebooks()
    i = series.index(nb)

    def link(other: Notebook) -> str:
        return f"[{other.label} · {other.title}]({other.stem}.ipynb)"

    links = []
    if i > 0:
        links.append(f"← Previous: {link(series[i - 1])}")
    if i + 1 < len(series):
        links.append(f"Next: {link(series[i + 1])} →")
    if i > 0:
        links.append(f"[All notebooks]({series[0].stem}.ipynb)")
    return "---\n\n" + " · ".join(links) + "\n"
