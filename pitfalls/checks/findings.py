"""The one model every source of findings is folded into: our checks, cdk-nag, cfn-lint, CDK validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, order=True)
class Finding:
    """One thing wrong with one resource, said by one rule of one tool."""

    scenario: int  # a scenario's number (pitfalls.scenarios); 0 when none covers it
    check: str  # rule id in its tool's own naming: PP07-..., AwsSolutions-S10, E2531
    resource: str  # logical id in the template ("" for template-level findings)
    severity: str  # error | warning | info
    message: str
    tool: str = "pitfalls"  # pitfalls | cdk-nag | cfn-lint | cdk-validate
    stack: str = ""
    fix: str = ""
    reason: str = ""  # why it was acknowledged (suppressed findings of CDK's validation report)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Stable, readable order: by scenario, then severity, then rule and resource."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(
        set(findings),
        key=lambda f: (f.stack, f.scenario or 99, rank.get(f.severity, 9), f.check, f.resource, f.message),
    )


def findings_text(findings: Sequence[Finding]) -> str:
    """A plain table, one finding a line; 'No findings.' when there are none."""
    if not findings:
        return "No findings."
    rows = [(f.severity, f.check, f.tool, f.resource or "-", f.message) for f in findings]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    widths = [min(w, 60) for w in widths]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
        for r in rows
    ]
    return "\n".join(lines) + f"\n{len(findings)} finding(s)."
