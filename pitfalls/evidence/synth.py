"""Synthesize CDK stacks in-process and collect what CDK, cdk-nag and our checks say about them.

A notebook calls `synth(build)` with a function that adds constructs to a stack. The kernel keeps
its jsii runtime warm, so a re-synth costs a fraction of a second and evidence never spawns
`cdk synth`. Stacks are environment-agnostic unless an `env` is given, and the result holds no
temp paths or time stamps, so committed notebook outputs stay stable.
"""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pitfalls import _env
from pitfalls.checks import run_checks
from pitfalls.checks.findings import Finding, sort_findings
from pitfalls.checks.tools import report_findings, scenario_for
from pitfalls.templates import Template, concrete_env

_env.configure()

import aws_cdk as cdk  # noqa: E402  (after _env.configure(): jsii must start on the pinned Node)

# Context for every in-process synth: path metadata lets findings name constructs; validation
# writes its report instead of raising, so the evidence is the report itself.
SYNTH_CONTEXT: dict[str, Any] = {
    "aws:cdk:enable-path-metadata": True,
    "@aws-cdk/core:failSynthOnValidationErrors": False,
    "@aws-cdk/core:validateAgainstDefaultRules": True,
}


class SynthError(Exception):
    """CDK refused to build the app; the message is one line a learner can act on."""


@dataclass
class SynthResult:
    """One synthesized stack: its template and every finding about it."""

    stack: str
    template: dict[str, Any]
    tool_findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    check_findings: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return sort_findings(self.check_findings + self.tool_findings)

    def findings_for(self, scenario: int) -> list[Finding]:
        return [f for f in self.findings if f.scenario == scenario]

    def resources(self, *types: str) -> dict[str, Any]:
        """The template's resources, optionally only those of the given types."""
        res = self.template.get("Resources", {})
        return {k: v for k, v in res.items() if not types or v.get("Type") in types}


# jsii's report of a value of the wrong type, as a tree: the innermost key and what was passed.
_JSII_KEY = re.compile(r"Key '(\w+)': Unable to deserialize value as ([\w.\-]+)")
_JSII_FAILING = re.compile(r"Failing value is (an? [\w ]+)")
_JSII_WHERE = re.compile(r"^Passed to parameter (\w+) of (?:new )?(?:aws-cdk-lib\.)?([\w.]+)")


def _jsii_wrong_type(lines: list[str]) -> str:
    """'new aws_iam.Role: assumed_by (assumedBy) must be a aws_iam.IPrincipal, not a string
    'codebuild.amazonaws.com'' out of jsii's deserialization tree; "" for other errors."""
    keys = [(i, m) for i, ln in enumerate(lines) if (m := _JSII_KEY.search(ln))]
    where = _JSII_WHERE.match(lines[0])
    if not keys or not where:
        return ""
    i, key = keys[-1]
    prop, wanted = key.group(1), key.group(2).removeprefix("aws-cdk-lib.")
    got = ""
    for j in range(i + 1, len(lines)):
        failing = _JSII_FAILING.search(lines[j])
        if failing:
            value = lines[j + 1].strip("│ ") if j + 1 < len(lines) else ""
            got = f", not {failing.group(1)}" + (f" {value}" if value and "──" not in value else "")
            break
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", prop).lower()
    return f"{where.group(2)}: {snake} ({prop}) must be {wanted}{got}"


def short_error(exc: BaseException) -> str:
    """One line out of a jsii/CDK exception: the message CDK wrote, without the JS stack."""
    text = str(exc).strip() or type(exc).__name__
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    wrong_type = _jsii_wrong_type(lines)
    if wrong_type:
        return wrong_type
    first = re.sub(r"^(?:@jsii/kernel\.)?(?:RuntimeError|Error): ", "", lines[0])
    if first.endswith("with the following errors:") and len(lines) > 1:
        # CDK's construct validation: the errors themselves are on the following lines.
        first = "; ".join(lines[1:4])
    return first


def synth_to(
    build: Callable[[cdk.App], None],
    outdir: Path,
    *,
    nag: bool = True,
    context: dict[str, Any] | None = None,
) -> Any:
    """Build an app with `build(app)` and synthesize it into `outdir`, a cloud assembly like the
    CLI's cdk.out (nested Stage assemblies included); returns CDK's CloudAssembly."""
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(
        outdir=str(outdir),
        analytics_reporting=False,
        context={**SYNTH_CONTEXT, **(context or {})},
    )
    try:
        build(app)
        if nag:
            cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
        return app.synth()
    except SynthError:
        raise
    except Exception as exc:  # jsii surfaces every CDK error as RuntimeError
        raise SynthError(short_error(exc)) from None


def synth_app(
    build: Callable[[cdk.App], None],
    *,
    nag: bool = True,
    context: dict[str, Any] | None = None,
    keep: Path | None = None,
) -> dict[str, SynthResult]:
    """Build an app with `build(app)`, synthesize it, and return each stack's result by name.
    `keep`: synthesize the cloud assembly there and keep it (to deploy what was checked)."""
    with contextlib.ExitStack() as cleanup:
        outdir = keep if keep is not None else Path(cleanup.enter_context(
            tempfile.TemporaryDirectory(prefix="pitfalls-synth-")))
        assembly = synth_to(build, outdir, nag=nag, context=context)
        out = Path(assembly.directory)
        templates = {
            s.stack_name: json.loads((out / s.template_file).read_text())
            for s in assembly.stacks
        }
        envs = {
            s.stack_name: concrete_env(s.environment.account, s.environment.region)
            for s in assembly.stacks
        }
        report_file = out / "validation-report.json"
        report = json.loads(report_file.read_text()) if report_file.exists() else None

    results: dict[str, SynthResult] = {}
    for name, data in templates.items():
        tpl = Template(data, name, *envs[name])
        found, suppressed = report_findings(report, {name: tpl}) if report else ([], [])
        results[name] = SynthResult(
            stack=name,
            template=data,
            tool_findings=found,
            suppressed=suppressed,
            check_findings=run_checks(tpl),
        )
    return results


def synth(
    build: Callable[[cdk.Stack], Any],
    *,
    stack_name: str = "Pitfalls",
    nag: bool = True,
    env: cdk.Environment | None = None,
    context: dict[str, Any] | None = None,
) -> SynthResult:
    """Synthesize one stack built by `build(stack)` and return its template and findings."""

    def build_app(app: cdk.App) -> None:
        stack = cdk.Stack(app, stack_name, env=env)
        build(stack)

    return synth_app(build_app, nag=nag, context=context)[stack_name]


__all__ = ["SynthError", "SynthResult", "scenario_for", "synth", "synth_app", "synth_to"]
