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


# What a severity means: every check is placed by this rule (CONTRIBUTING.md, `python -m pitfalls checks`).
SEVERITY_MEANING = {
    "error": "it will fail, lose data, or let someone in",
    "warning": "a practice the course teaches",
}


@dataclass(frozen=True)
class Check:
    id: str
    scenario: int
    severity: str  # a key of SEVERITY_MEANING
    requirement: str  # one line: what must be true
    rationale: str  # why it matters, in terms of what breaks
    fix: str  # the CDK-level fix, in one or two lines
    source_url: str  # the primary source (AWS documentation) for the requirement
    fn: CheckFn
    needs_environment: bool = False  # judged only when the synth's account and region are known

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
    *,
    id: str,
    scenario: int,
    severity: str,
    requirement: str,
    rationale: str,
    fix: str,
    source_url: str,
    needs_environment: bool = False,
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under `id`."""

    def register(fn: CheckFn) -> CheckFn:
        if id in REGISTRY:
            raise ValueError(f"duplicate check id {id}")
        if severity not in SEVERITY_MEANING:
            raise ValueError(f"{id}: severity {severity!r} is not one of {sorted(SEVERITY_MEANING)}")
        REGISTRY[id] = Check(
            id, scenario, severity, requirement, rationale, fix, source_url, fn, needs_environment
        )
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


def not_judged(template: Template) -> list[Check]:
    """The checks that cannot judge this template: it does not say what they need to know."""
    return [c for c in all_checks() if c.needs_environment and not template.environment_known]


def run_checks(template: Template, scenario: int | None = None) -> list[Finding]:
    """All findings of our checks on one template, optionally for one scenario only."""
    skipped = {c.id for c in not_judged(template)}
    out: list[Finding] = []
    for c in all_checks():
        if (scenario is None or c.scenario == scenario) and c.id not in skipped:
            out.extend(c.run(template))
    return sort_findings(out)


@dataclass
class PathReport:
    """What `python -m pitfalls check PATH` found, and what it could not judge."""

    templates: list[Template]
    findings: list[Finding]

    @property
    def not_judged(self) -> dict[str, list[str]]:
        """Template name -> ids of the checks that could not judge it."""
        out = {t.name: [c.id for c in not_judged(t)] for t in self.templates}
        return {name: ids for name, ids in out.items() if ids}


def check_path(path: Path, *, cfn_lint: bool = False) -> PathReport:
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
    return PathReport(templates, sort_findings(out))


def findings_for_path(path: Path, *, cfn_lint: bool = False) -> list[Finding]:
    """The findings of `check_path`."""
    return check_path(path, cfn_lint=cfn_lint).findings
