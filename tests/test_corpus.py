"""Precision on pipelines the course never wrote: each secure corpus pipeline gets no finding of
ours, each broken variant exactly the check that names its fault (fast: the kept assemblies)."""

from __future__ import annotations

import pytest
from corpus import BROKEN, PIPELINES, fixture_dir

from pitfalls.checks import check_path


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_secure_pipeline_has_no_finding(name: str) -> None:
    report = check_path(fixture_dir(name))
    assert report.templates, f"no templates kept for {name}: run python -m tests.corpus {name}"
    assert report.findings == [], "\n".join(f"{f.check} {f.resource}: {f.message}" for f in report.findings)
    assert report.not_judged == {}  # the manifests say where each stack goes


@pytest.mark.parametrize("case", sorted(BROKEN), ids=lambda c: f"{c[0]}:{c[1]}")
def test_broken_variant_is_flagged_by_its_check(case: tuple[str, str]) -> None:
    findings = check_path(fixture_dir(*case)).findings
    assert {f.check for f in findings} == BROKEN[case], [(f.check, f.message) for f in findings]


def test_corpus_covers_the_idioms() -> None:
    assert len(PIPELINES) >= 12
    assert len(BROKEN) >= len(PIPELINES)
