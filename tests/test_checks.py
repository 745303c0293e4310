"""Every check flags its noncompliant fixture and passes its compliant one."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from pitfalls import scenarios
from pitfalls.checks import REGISTRY, SEVERITY_MEANING, all_checks
from pitfalls.templates import load_template_file

CHECK_FIXTURES = FIXTURES / "checks"
IDS = [c.id for c in all_checks()]


def fixture(check_id: str, kind: str) -> Path:
    found = sorted((CHECK_FIXTURES / check_id).glob(f"{kind}.*"))
    assert found, f"{check_id} has no {kind} fixture in {CHECK_FIXTURES / check_id}"
    return found[0]


@pytest.mark.parametrize("check_id", IDS)
def test_flags_noncompliant(check_id: str) -> None:
    t = load_template_file(fixture(check_id, "noncompliant"))
    found = REGISTRY[check_id].run(t)
    assert found, f"{check_id} did not flag its noncompliant fixture"
    assert all(f.check == check_id and f.resource for f in found)


@pytest.mark.parametrize("check_id", IDS)
def test_passes_compliant(check_id: str) -> None:
    t = load_template_file(fixture(check_id, "compliant"))
    assert REGISTRY[check_id].run(t) == []


def test_every_fixture_dir_names_a_check() -> None:
    dirs = {p.name for p in CHECK_FIXTURES.iterdir() if p.is_dir()}
    assert dirs == set(IDS)


@pytest.mark.parametrize("check_id", IDS)
def test_check_is_documented(check_id: str) -> None:
    c = REGISTRY[check_id]
    assert c.id.startswith(f"PP{c.scenario:02d}-")
    assert c.scenario in scenarios.numbers()
    assert c.severity in SEVERITY_MEANING
    assert c.source_url.startswith(("https://docs.aws.amazon.com/", "https://repost.aws/")), c.source_url
    for text in (c.requirement, c.rationale, c.fix):
        assert len(text) > 15
    assert "\n" not in c.requirement


def test_checks_do_not_import_cdk() -> None:
    """The wall: checks read plain data, so the checker starts fast and runs on any template."""
    import subprocess
    import sys

    code = (
        "import sys; import pitfalls.checks as c; c.all_checks(); import pitfalls.templates; "
        "bad=[m for m in sys.modules if m.startswith(('aws_cdk','jsii','cdk_nag','cfnlint'))]; "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, f"checks imported {r.stdout.strip()}"
