"""`python -m pitfalls check`: exit codes, formats, and one clear line for every bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

CHECKS = FIXTURES / "checks"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pitfalls", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_findings_exit_1_with_text_table() -> None:
    r = run("check", str(CHECKS / "PP07-SOURCE-NOT-VERSIONED" / "noncompliant.yaml"))
    assert r.returncode == 1
    assert "PP07-SOURCE-NOT-VERSIONED" in r.stdout
    assert r.stderr == ""


def test_clean_template_exits_0() -> None:
    r = run("check", str(CHECKS / "PP07-NO-VERSION-EXPIRY" / "compliant.json"))
    assert r.returncode == 0, r.stdout
    assert "No findings." in r.stdout


def test_json_format_fields() -> None:
    r = run("check", "--format", "json", str(CHECKS / "PP01-NO-BUILD" / "noncompliant.yaml"))
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert {f["check"] for f in data} >= {"PP01-NO-BUILD", "PP01-NO-TEST", "PP01-DEPLOYS-SOURCE"}
    for f in data:
        assert isinstance(f["scenario"], int)
        assert {"check", "resource", "severity", "message"} <= f.keys()


def test_scenario_filter() -> None:
    r = run("check", "--scenario", "7", "--format", "json",
            str(CHECKS / "PP01-NO-TEST" / "noncompliant.yaml"))
    assert r.returncode == 0
    assert json.loads(r.stdout) == []


def test_cdk_out_directory(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    out.mkdir()
    src = (CHECKS / "PP07-NO-VERSION-EXPIRY" / "compliant.json").read_text()
    (out / "A.template.json").write_text(src)
    bad = json.loads(src)
    del bad["Resources"]["Src"]["Properties"]["VersioningConfiguration"]
    (out / "B.template.json").write_text(json.dumps(bad))
    r = run("check", "--format", "json", str(out))
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert {(f["stack"], f["check"]) for f in data} == {("B", "PP07-SOURCE-NOT-VERSIONED")}


def _bad(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda d: d / "missing.json", "no such file or directory"),
        (lambda d: _bad(d, "t.json", '{"Resources": {'), "malformed JSON at line 1"),
        (lambda d: _bad(d, "t.yaml", "Resources:\n  A: [\n"), "malformed YAML"),
        (lambda d: _bad(d, "t.json", '{"Foo": 1}'), "not a CloudFormation template"),
        (lambda d: _bad(d, "t.yaml", "- just\n- a list\n"), "not a CloudFormation template"),
        (lambda d: _bad(d, "notes.txt", "hello"), "expected a .json, .yaml or .yml"),
        (lambda d: d, "no *.template.json"),
    ],
    ids=["missing", "bad-json", "bad-yaml", "no-resources", "yaml-list", "not-template", "empty-dir"],
)
def test_bad_input_one_line_exit_2(tmp_path: Path, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    r = run("check", str(make(tmp_path)))
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert expected in lines[0]
    assert "Traceback" not in r.stderr


def test_usage_error_exits_2() -> None:
    r = run("check")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


def test_list_checks() -> None:
    r = run("checks", "--scenario", "7")
    assert r.returncode == 0
    assert "PP07-SOURCE-NOT-VERSIONED" in r.stdout
    assert "PP01" not in r.stdout


def test_any_python_runs_the_cli_through_the_project_venv(tmp_path: Path) -> None:
    """`python -m pitfalls ...` with a Python that has none of the course's packages (-S: no
    site-packages, like a bare system Python) re-executes with .venv/bin/python."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv here (conda or Binder): nothing to re-execute with")
    fixture = str(FIXTURES / "checks" / "PP07-SOURCE-NOT-VERSIONED" / "noncompliant.yaml")
    cmd = [sys.executable, "-S", "-m", "pitfalls", "check", fixture, "--scenario", "7"]
    env = {k: v for k, v in os.environ.items() if k not in ("PITFALLS_NO_REEXEC", "VIRTUAL_ENV")}
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "PP07-SOURCE-NOT-VERSIONED" in r.stdout, r.stderr
    # Told not to, it says in one line what is missing and what to run.
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                       env={**env, "PITFALLS_NO_REEXEC": "1"}, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "run `make lab`" in r.stderr, r.stderr
