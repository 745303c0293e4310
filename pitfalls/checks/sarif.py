"""Findings as SARIF 2.1.0, the format code-scanning dashboards read (`check --format sarif`).

One run per tool: ours carries every registered check as a rule (requirement, rationale, fix and
primary source); cdk-nag, CDK's validation and cfn-lint findings get a run each, with the rules
they reported. A location is the template file and the resource's logical id, with its construct
path (`aws:cdk:path`) when the template has one. Plain data: no aws_cdk, no SARIF library.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pitfalls import __version__
from pitfalls.checks import PathReport, all_checks
from pitfalls.checks.findings import Finding
from pitfalls.templates import Template

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
OURS = "pitfalls"
TOOL_NAMES = {OURS: "pipeline-pitfalls"}


def _uri(path: str) -> str:
    """A template path as a URI reference, relative to the working directory when inside it."""
    p = Path(path)
    try:
        p = p.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return p.resolve().as_uri()
    return quote(p.as_posix())


def _lines(template: Template) -> dict[str, int]:
    """Logical id -> the line its definition starts on, in the template file (1 when unknown)."""
    try:
        text = Path(template.source).read_text(encoding="utf-8")
    except OSError:
        return {}
    start = max(text.find('"Resources"'), text.find("Resources:"), 0)
    out: dict[str, int] = {}
    for lid, _ in template.resources_all():
        m = re.compile(rf'(?m)^[ \t]*"?{re.escape(lid)}"?[ \t]*:').search(text, start)
        if m:
            out[lid] = text.count("\n", 0, m.start()) + 1
    return out


def _ours_rules() -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "shortDescription": {"text": c.requirement},
            "fullDescription": {"text": c.rationale},
            "help": {"text": c.fix},
            "helpUri": c.source_url,
            "defaultConfiguration": {"level": LEVEL[c.severity]},
            "properties": {"scenario": c.scenario, "tags": [f"scenario-{c.scenario:02d}"]},
        }
        for c in all_checks()
    ]


def _fingerprint(f: Finding) -> str:
    key = "\x1f".join((f.stack, f.check, f.resource, f.message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _result(f: Finding, rule_index: int, templates: dict[str, Template],
            lines: dict[str, dict[str, int]]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.check,
        "ruleIndex": rule_index,
        "level": LEVEL.get(f.severity, "warning"),
        "message": {"text": f.message or f.check},
        "partialFingerprints": {"pitfallsFinding/v1": _fingerprint(f)},
        "properties": {"scenario": f.scenario, "stack": f.stack},
    }
    if f.fix:
        result["properties"]["fix"] = f.fix
    t = templates.get(f.stack)
    if t is None or not t.source:
        return result
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(t.source)},
            "region": {"startLine": lines[f.stack].get(f.resource, 1)},
        }
    }
    if f.resource:
        location["logicalLocations"] = [
            {"name": f.resource, "fullyQualifiedName": f"{f.stack}/{f.resource}", "kind": "resource"}
        ]
        path = t.cdk_path(f.resource)
        if path:
            location["properties"] = {"cdkPath": path}
            result["properties"]["cdkPath"] = path
    result["locations"] = [location]
    return result


def sarif_log(report: PathReport) -> dict[str, Any]:
    """The SARIF 2.1.0 log of a `check_path` report."""
    templates = {t.name: t for t in report.templates}
    lines = {name: _lines(t) for name, t in templates.items()}
    by_tool: dict[str, list[Finding]] = {OURS: []}
    for f in report.findings:
        by_tool.setdefault(f.tool, []).append(f)
    runs = []
    for tool, found in by_tool.items():
        if tool == OURS:
            rules = _ours_rules()
        else:
            rules = [{"id": rid} for rid in dict.fromkeys(f.check for f in found)]
        index = {r["id"]: i for i, r in enumerate(rules)}
        run: dict[str, Any] = {
            "tool": {"driver": {"name": TOOL_NAMES.get(tool, tool), "rules": rules}},
            "results": [_result(f, index[f.check], templates, lines) for f in found],
            "columnKind": "unicodeCodePoints",
        }
        if tool == OURS:
            run["tool"]["driver"]["version"] = __version__
            run["invocations"] = [_invocation(report)]
        runs.append(run)
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": runs}


def _invocation(report: PathReport) -> dict[str, Any]:
    notes = [
        {
            "level": "note",
            "message": {"text": not_judged_text(name, ids)},
            "descriptor": {"id": check_id},
        }
        for name, ids in report.not_judged.items()
        for check_id in ids
    ]
    out: dict[str, Any] = {"executionSuccessful": True}
    if notes:
        out["toolExecutionNotifications"] = notes
    return out


def not_judged_text(template: str, check_ids: list[str]) -> str:
    """One line saying which checks did not judge a template, and why."""
    return (
        f"not judged on {template}: {', '.join(check_ids)} (a CDK template read on its own does "
        "not say which account and region it was synthesized for; check the cdk.out directory)"
    )

