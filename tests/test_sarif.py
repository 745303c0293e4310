"""`check --format sarif`: valid SARIF 2.1.0 (the official schema), rules from the registry,
locations at the template file, the resource's line and logical id, and its construct path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import FIXTURES, ROOT

from pitfalls.checks import REGISTRY, all_checks

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
CORPUS = FIXTURES / "corpus"


def sarif(path: Path, cwd: Path = ROOT) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    r = subprocess.run(
        [sys.executable, "-m", "pitfalls", "check", "--format", "sarif", str(path)],
        capture_output=True, text=True, cwd=cwd,
    )
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout), r


def valid(log: dict[str, Any]) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(log)


def test_schema_rejects_what_it_should() -> None:
    """The vendored schema is the real one: a log without `runs` is refused."""
    with pytest.raises(jsonschema.ValidationError):
        valid({"version": "2.1.0"})


def test_findings_validate_and_point_at_the_resource() -> None:
    path = FIXTURES / "checks" / "PP07-SOURCE-NOT-VERSIONED" / "noncompliant.yaml"
    log, r = sarif(path)
    valid(log)
    assert r.returncode == 1
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "pipeline-pitfalls"
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [c.id for c in all_checks()]
    result = next(x for x in run["results"] if x["ruleId"] == "PP07-SOURCE-NOT-VERSIONED")
    assert rules[result["ruleIndex"]]["id"] == "PP07-SOURCE-NOT-VERSIONED"
    assert rules[result["ruleIndex"]]["helpUri"] == REGISTRY["PP07-SOURCE-NOT-VERSIONED"].source_url
    assert result["level"] == REGISTRY["PP07-SOURCE-NOT-VERSIONED"].severity
    loc = result["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == path.relative_to(ROOT).as_posix()
    lid = loc["logicalLocations"][0]["name"]
    line = path.read_text().splitlines()[loc["physicalLocation"]["region"]["startLine"] - 1]
    assert line.strip().startswith(f"{lid}:")


def test_clean_template_is_an_empty_valid_run() -> None:
    log, r = sarif(FIXTURES / "checks" / "PP07-NO-VERSION-EXPIRY" / "compliant.json")
    valid(log)
    assert r.returncode == 0
    assert log["runs"][0]["results"] == []


def test_cdk_template_alone_says_what_was_not_judged(tmp_path: Path) -> None:
    """A CDK template read without its cdk.out: the region checks are listed as not judged."""
    src = next(CORPUS.glob("*/*.template.json"))
    one = tmp_path / "template.json"
    shutil.copy(src, one)
    log, r = sarif(one, cwd=tmp_path)
    valid(log)
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert {n["descriptor"]["id"] for n in notes} == {"PP03-LITERAL-REGION", "PP03-LITERAL-ACCOUNT"}
    assert "not judged" in r.stderr


def test_construct_paths_and_every_tool_in_a_cdk_out() -> None:
    """The corpus's CDK Pipelines app: nested stage assemblies, construct paths on every result."""
    out = CORPUS / "cdk-pipelines-broken-no-tests"
    log, r = sarif(out)
    valid(log)
    results = [x for run in log["runs"] for x in run["results"]]
    assert results, r.stdout
    for x in results:
        assert x["properties"]["cdkPath"], x
        assert (ROOT / x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).exists()
