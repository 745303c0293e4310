"""Write what the scenario registry generates into the course: the curriculum table (README.md and
00_start_here, between `<!-- curriculum -->` markers) and every notebook's closing previous / next
links (its last cell, a markdown cell tagged `navigation`).

`python scripts/curriculum.py` rewrites them in place; `--check` exits 1 when any is stale
(tests/test_scenarios.py runs that).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pitfalls import scenarios  # noqa: E402

README = ROOT / "README.md"
MARKED = re.compile(r"(<!-- curriculum -->\n).*?(<!-- /curriculum -->)", re.S)


def with_table(text: str, link_base: str) -> str:
    if not MARKED.search(text):
        raise SystemExit("no <!-- curriculum --> ... <!-- /curriculum --> markers")
    table = scenarios.curriculum_markdown(link_base)
    return MARKED.sub(lambda m: m.group(1) + table + m.group(2), text, count=1)


def readme() -> str:
    return with_table(README.read_text(encoding="utf-8"), "notebooks/")


def notebook(nb: scenarios.Notebook) -> str:
    """The notebook's text with its closing links (and, in 00, the curriculum table) up to date."""
    data = json.loads(nb.path.read_text(encoding="utf-8"))
    cells = data["cells"]
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and MARKED.search(source):
            cell["source"] = with_table(source, "").splitlines(keepends=True)
    if cells and scenarios.NAVIGATION_TAG in cells[-1].get("metadata", {}).get("tags", []):
        cells.pop()
    nav = {"cell_type": "markdown", "metadata": {"tags": [scenarios.NAVIGATION_TAG]},
           "source": scenarios.navigation_markdown(nb).splitlines(keepends=True)}
    if data.get("nbformat_minor", 0) >= 5:
        nav = {"cell_type": "markdown", "id": scenarios.NAVIGATION_TAG, **nav}
    cells.append(nav)
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    wanted = {README: readme(), **{nb.path: notebook(nb) for nb in scenarios.notebooks()}}
    stale = [p for p, text in wanted.items() if p.read_text(encoding="utf-8") != text]
    if "--check" in argv:
        for p in stale:
            print(f"stale curriculum table: {p.relative_to(ROOT)} (run python scripts/curriculum.py)")
        return 1 if stale else 0
    for p in stale:
        p.write_text(wanted[p], encoding="utf-8")
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
