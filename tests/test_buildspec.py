"""The buildspec reader and the shell reading of scenario 13's checks, on small cases."""

from __future__ import annotations

import pytest

from pitfalls.checks.s13_test_integration import masked_failure, statements
from pitfalls.templates.buildspec import parse, report_group_ref


def test_parses_every_inline_form() -> None:
    json_spec = '{"version": "0.2", "phases": {"build": {"commands": ["npm test"]}}}'
    yaml_spec = "version: 0.2\nphases:\n  build:\n    commands: [npm test]\n"
    join = {"Fn::Join": ["", ['{"phases": {"build": {"commands": ["npm test"]}}, "reports": {"',
                              {"Fn::GetAtt": ["Reports", "Arn"]}, '": {"files": ["x"]}}}']]}
    sub = {"Fn::Sub": "phases: {build: {commands: [npm test]}}\nreports: {'${Reports.Arn}': {}}"}
    for value in (json_spec, yaml_spec, join, sub):
        spec = parse(value)
        assert spec is not None and spec.commands["build"] == ["npm test"], value
    assert [report_group_ref(k) for k in parse(join).reports] == ["Reports"]  # type: ignore[union-attr]
    assert [report_group_ref(k) for k in parse(sub).reports] == ["Reports"]  # type: ignore[union-attr]


@pytest.mark.parametrize("value", ["buildspec-test.yml", "arn:aws:s3:::bucket/buildspec.yml", None, 3])
def test_a_buildspec_file_is_not_inline(value: object) -> None:
    assert parse(value) is None


def test_statements_respect_quotes_and_groups() -> None:
    assert statements('echo "a; b"; npm test || (echo x; exit 1)\nnext') == [
        'echo "a; b"', "npm test || (echo x; exit 1)", "next",
    ]


@pytest.mark.parametrize(
    ("command", "masked"),
    [
        ("npm test || true", True),
        ("npm test || echo 'tests failed'", True),
        ("npm test | tee out.txt", True),
        ("npm test; echo done", True),
        ("set +e\nnode --test\necho ok", True),
        ("npm test; exit 0", True),
        ("npm test", False),
        ("npm test && echo green", False),
        ("npm test || exit 1", False),
        ('npm test || { echo "failed"; exit 1; }', False),
        ("set -e\nnode --test\necho ok", False),
        ("set -o pipefail; npm test | tee out.txt", False),
        ("mkdir -p reports || true", False),  # not a test command
        ("node --test --test-name-pattern='a|b'", False),  # a pipe inside quotes is text
        ("npm test -- --grep 'x || y'", False),
    ],
)
def test_masked_failure(command: str, masked: bool) -> None:
    assert (masked_failure(command) is not None) is masked


def test_finally_blocks_and_runtime_versions() -> None:
    spec = parse(
        "phases:\n  install:\n    runtime-versions: {nodejs: 24}\n    commands: [npm ci]\n"
        "  build:\n    commands: [npm test]\n    finally: [npm audit --audit-level=high]\n"
    )
    assert spec is not None
    assert spec.all_commands() == ["npm ci", "npm test"]  # what the tests' checks judge
    assert spec.every_command() == ["npm ci", "npm test", "npm audit --audit-level=high"]
    assert spec.runtime_version("nodejs") == "24" and spec.runtime_version("python") is None
    assert parse('{"phases": []}').runtime_version("nodejs") is None  # type: ignore[union-attr]


def test_a_template_parses_each_buildspec_once() -> None:
    from pitfalls.templates import Template

    t = Template({"Resources": {
        "P": {"Type": "AWS::CodeBuild::Project",
              "Properties": {"Source": {"BuildSpec": "phases: {build: {commands: [npm test]}}"}}},
        "F": {"Type": "AWS::CodeBuild::Project", "Properties": {"Source": {"BuildSpec": "buildspec.yml"}}},
    }})
    first = t.buildspec("P")
    assert first is not None and t.buildspec("P") is first  # the same object: parsed once
    assert t.buildspec("F") is None and "F" in t._buildspecs  # "not inline" is remembered too
