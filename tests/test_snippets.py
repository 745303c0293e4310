"""Scenario 10's helpers: each mistake comes back as one line; mypy's lines map to the snippet
they came from; v1 requirements are found; the monolith check reads scopes from aws:cdk:path."""

from __future__ import annotations

import pytest

from pitfalls.checks.s10_cdk_code_errors import concern_of, owner_scope
from pitfalls.evidence.snippets import (
    PRELUDE,
    _module,
    one_line,
    show_test,
    try_each,
    try_test,
    v1_requirements,
)


def test_each_mistake_is_one_line_without_paths() -> None:
    found = dict(try_each({
        "v1": "from aws_cdk import core",
        "camel": "s3.Bucket(stack, 'B', bucketName='x')",
        "dup": "s3.Bucket(stack, 'B')\ns3.Bucket(stack, 'B')",
        "fine": "s3.Bucket(stack, 'B', versioned=True)",
    }).rows)
    assert found["v1"] == "ImportError: cannot import name 'core' from 'aws_cdk'"
    assert "unexpected keyword argument 'bucketName'" in found["camel"]
    assert found["dup"].startswith("jsii RuntimeError: There is already a Construct with name 'B'")
    assert found["fine"] == "ran without an error"
    assert all("\n" not in v and "site-packages" not in v for v in found.values())


def test_one_line_strips_the_site_packages_path() -> None:
    err = ImportError("cannot import name 'core' from 'aws_cdk' (/x/site-packages/aws_cdk/__init__.py)")
    assert one_line(err) == "ImportError: cannot import name 'core' from 'aws_cdk'"


def test_mypy_lines_map_back_to_snippets() -> None:
    source, spans = _module({"a": "x = 1", "b": "y = 2\nz = 3"}, PRELUDE)
    lines = source.splitlines()
    (a0, a1, la), (b0, b1, lb) = spans
    assert (la, lb) == ("a", "b")
    assert lines[a0 - 1].strip() == "x = 1" and a0 == a1
    assert [ln.strip() for ln in lines[b0 - 1 : b1]] == ["y = 2", "z = 3"]
    assert "def mistake_2(stack: cdk.Stack) -> None:" in source


def test_try_test_says_pass_or_fail_in_one_line() -> None:
    def test_ok() -> None:
        pass

    def test_bad() -> None:
        raise AssertionError("expected 1\nbut got 2")

    assert try_test(test_ok) == "✔ test_ok passed"
    assert try_test(test_bad) == "✘ test_bad failed: AssertionError: expected 1"


def test_v1_requirements() -> None:
    text = (
        "aws-cdk.core==1.204.0\n"
        "aws_cdk.aws_s3>=1.100  # old\n"
        "aws-cdk-lib==2.275.0\n"
        "aws-cdk.asset-awscli-v1==2.2.242\n"
        "aws-cdk.aws-lambda-python-alpha==2.275.0a0\n"
        "aws-cdk.cloud-assembly-schema==1.204.0\n"
        "constructs>=10\n"
    )
    assert [ln.split(":")[0] for ln in v1_requirements(text)] == ["line 1", "line 2", "line 6"]


def test_show_test_reads_one_function() -> None:
    shown = show_test("tests/test_snippets.py", "test_v1_requirements")
    assert shown.where == "tests/test_snippets.py"
    assert shown.source.startswith("def test_v1_requirements() -> None:")


@pytest.mark.parametrize(
    "path, scope",
    [
        ("Stack/App/Bucket/Resource", "Stack/App"),
        ("Stack/App/Source/Bucket/Resource", "Stack/App/Source"),
        ("Stack/App/Topic/ops@example.com/Resource", "Stack/App/Topic"),
        ("Stack/App/CfnThing", "Stack/App"),
        ("Stack/Bucket/Resource", "Stack"),
        ("Stack/LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a/Resource", None),
        ("Stack/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler", None),
        ("Stack", None),
    ],
)
def test_owner_scope(path: str, scope: str | None) -> None:
    assert owner_scope(path) == scope


def test_concerns() -> None:
    assert concern_of("AWS::S3::Bucket") == "storage"
    assert concern_of("AWS::Events::Rule") == concern_of("AWS::SNS::Topic") == "alerts"
    assert concern_of("AWS::IAM::Role") is None
