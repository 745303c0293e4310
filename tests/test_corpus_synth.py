"""The kept corpus assemblies are what the corpus apps synthesize today (slow: jsii)."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import cases, fixture_dir
from corpus.assembly import kept_files, synthesize


@pytest.mark.parametrize("case", cases(), ids=lambda c: f"{c[0]}:{c[1] or 'secure'}")
def test_kept_assembly_is_current(case: tuple[str, str | None], tmp_path: Path) -> None:
    fresh = kept_files(synthesize(*case, tmp_path))
    kept = {p.relative_to(fixture_dir(*case)).as_posix(): p.read_text().rstrip("\n")
            for p in fixture_dir(*case).rglob("*.json")}
    assert fresh == kept, f"re-run: python -m tests.corpus {case[0]}"
