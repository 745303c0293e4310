"""Write the curriculum table, generated from the scenario registry, into README.md and 00_start_here.

`python scripts/curriculum.py` rewrites both in place; `--check` exits 1 when either is stale
(tests/test_scenarios.py runs that). The table sits between `<!-- curriculum -->` markers.
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


def start_notebook() -> str:
    path = scenarios.start().path
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and MARKED.search(source):
            new = with_table(source, "")
            cell["source"] = new.splitlines(keepends=True)
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    wanted = {README: readme(), scenarios.start().path: start_notebook()}
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
