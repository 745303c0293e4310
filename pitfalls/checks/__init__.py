"""Our checks: small pure functions over a template, one registry, one finding model.

Each scenario module (`sNN_<scenario name>.py`) registers its checks with `@check`. A check yields
`(logical id, message)` pairs; the registry turns them into `Finding`s with its id and scenario.
We only write a check where cdk-nag, cfn-lint and CDK's own validation are silent.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pitfalls.checks.findings import Finding, sort_findings
from pitfalls.templates import Template

Violation = tuple[str, str]
CheckFn = Callable[[Template], Iterable[Violation]]


@dataclass(frozen=True)
class Check:
    id: str
    scenario: int
    severity: str
    requirement: str  # one line: what must be true
    rationale: str  # why it matters, in terms of what breaks
    fix: str  # the CDK-level fix, in one or two lines
    fn: CheckFn

    def run(self, template: Template) -> list[Finding]:
        return [
            Finding(
                scenario=self.scenario,
                check=self.id,
                resource=lid,
                severity=self.severity,
                message=message,
                tool="pitfalls",
                stack=template.name,
                fix=self.fix,
            )
            for lid, message in self.fn(template)
        ]


REGISTRY: dict[str, Check] = {}
_loaded = False


def check(
    *, id: str, scenario: int, requirement: str, rationale: str, fix: str, severity: str = "error"
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under `id`."""

    def register(fn: CheckFn) -> CheckFn:
        if id in REGISTRY:
            raise ValueError(f"duplicate check id {id}")
        REGISTRY[id] = Check(id, scenario, severity, requirement, rationale, fix, fn)
        return fn

    return register


def all_checks() -> list[Check]:
    """Every registered check, importing the scenario modules on first use."""
    global _loaded
    if not _loaded:
        for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if mod.name.startswith("s") and mod.name[1:3].isdigit():
                importlib.import_module(f"{__name__}.{mod.name}")
        _loaded = True
    return sorted(REGISTRY.values(), key=lambda c: (c.scenario, c.id))


def run_checks(template: Template, scenario: int | None = None) -> list[Finding]:
    """All findings of our checks on one template, optionally for one scenario only."""
    out: list[Finding] = []
    for c in all_checks():
        if scenario is None or c.scenario == scenario:
            out.extend(c.run(template))
    return sort_findings(out)


def findings_for_path(path: Path, *, cfn_lint: bool = False) -> list[Finding]:
    """Our checks (and the tools' reports found beside the templates) on every template at path."""
    from pitfalls.checks.tools import cfn_lint_findings, report_findings
    from pitfalls.templates import load_path

    templates, report = load_path(path)
    out: list[Finding] = []
    for t in templates:
        out.extend(run_checks(t))
        if cfn_lint:
            out.extend(cfn_lint_findings(t))
    if report:
        found, _ = report_findings(report, {t.name: t for t in templates})
        out.extend(found)
    return sort_findings(out)
