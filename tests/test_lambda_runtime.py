"""Scenario 05: the runtime facts come from the pinned data, the runtime is chosen once, and the
application's code loads on the course's Node the way the Lambda runtime loads it."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from conftest import ROOT

from pitfalls.asof import COURSE_DATE, as_of
from pitfalls.checks import REGISTRY
from pitfalls.checks import s05_lambda_runtime as s05
from pitfalls.evidence.node import load_handler, load_inline_handler
from pitfalls.templates import Template


def test_lifecycle_table_is_read_from_cfn_lint_without_importing_it() -> None:
    code = (
        "import sys; from pitfalls.checks.s05_lambda_runtime import runtime_lifecycle as r; "
        "t = r(); assert 'nodejs24.x' in t and 'deprecated' in t['nodejs14.x'], t; "
        "sys.exit(1 if 'cfnlint' in sys.modules else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize(
    "runtime, day, status",
    [
        ("nodejs14.x", dt.date(2023, 1, 1), "supported"),
        ("nodejs14.x", dt.date(2023, 12, 4), "deprecated"),
        ("nodejs14.x", dt.date(2024, 1, 9), "create blocked"),
        ("nodejs24.x", dt.date(2027, 12, 1), "deprecated soon"),
        ("nodejs24.x", dt.date(2028, 7, 1), "update blocked"),
    ],
)
def test_runtime_status_reads_the_pinned_table(runtime: str, day: dt.date, status: str) -> None:
    """Readings of cfn-lint 1.58.0's table; a pin bump that moves these dates shows up here."""
    found = s05.runtime_status(runtime, day)
    assert found is not None and found[0] == status, found


def test_unknown_runtime_is_not_judged() -> None:
    assert s05.runtime_status("python3.99") is None


def test_deprecated_runtime_check_judges_by_the_day() -> None:
    fn = {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "nodejs24.x"}}
    t = Template({"Resources": {"F": fn}})
    check = REGISTRY["PP05-DEPRECATED-RUNTIME"]
    with as_of(dt.date(2026, 11, 1)):
        assert check.run(t) == []
    with as_of(dt.date(2028, 1, 1)):
        assert "deprecated soon" in check.run(t)[0].message


def test_runtime_is_chosen_once() -> None:
    """The build installs the Node.js major of the function's runtime, derived, not typed twice."""
    from solutions import codebuild_configuration, lambda_runtime

    assert lambda_runtime.RUNTIME.name == f"nodejs{lambda_runtime.NODE_MAJOR}.x"
    assert codebuild_configuration.NODE_MAJOR is lambda_runtime.NODE_MAJOR
    assert s05.runtime_status(lambda_runtime.RUNTIME.name, COURSE_DATE)[0] == "supported"


def test_sdk_v2_handler_fails_to_load_on_node_24() -> None:
    r = load_inline_handler("const AWS = require('aws-sdk');\nexports.handler = async () => 1;\n")
    assert not r.loaded
    assert r.error and r.error["code"] == "MODULE_NOT_FOUND" and "aws-sdk" in r.error["message"]
    assert r.node.startswith("v24.")


def test_callback_handler_is_recognised() -> None:
    r = load_inline_handler("exports.handler = (event, context, callback) => callback(null, 1);")
    assert r.loaded and r.kind == "callback"


def test_application_code_is_async_and_answers() -> None:
    r = load_handler(ROOT / "lambda_src", "src/index.handler", event={"rawPath": "/health"})
    assert r.loaded and r.kind == "async", r
    assert r.result["statusCode"] == 200


def test_application_code_has_no_sdk_v2() -> None:
    pkg = json.loads((ROOT / "lambda_src" / "package.json").read_text())
    deps = {**pkg.get("dependencies", {}), **pkg.get("devDependencies", {})}
    assert "aws-sdk" not in deps
    for src in (ROOT / "lambda_src" / "src").rglob("*.*js"):
        assert not s05.SDK_V2.search(src.read_text()), src
        assert not s05.CALLBACK_HANDLER.search(src.read_text()), src
