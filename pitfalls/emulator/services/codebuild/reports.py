"""CodeBuild test reports: JUnit XML files a build names under `reports:`, stored as a report in
its report group and read back with BatchGetReports, DescribeTestCases and
ListReportsForReportGroup (none of which moto has).

A report group named in the buildspec by name (not ARN) is `<project>-<name>`, created on first
use, as CodeBuild does; one named by ARN must exist.
See https://docs.aws.amazon.com/codebuild/latest/userguide/test-report-group-create-buildspec.html
and https://docs.aws.amazon.com/codebuild/latest/APIReference/API_TestCase.html.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any

from moto.codebuild.models import CodeBuildBackend, codebuild_backends
from moto.core.utils import unix_time

from pitfalls.emulator.moto_patch import adds
from pitfalls.emulator.services.codebuild.patches import report_groups

STATUSES = ("SUCCEEDED", "FAILED", "ERROR", "SKIPPED", "UNKNOWN")


def reports(backend: CodeBuildBackend) -> dict[str, dict[str, Any]]:
    """Reports by ARN, each with its test cases under the private key `_cases`."""
    if not hasattr(backend, "pitfalls_reports"):
        backend.pitfalls_reports = {}  # type: ignore[attr-defined]
    return backend.pitfalls_reports  # type: ignore[attr-defined]


def group_arn(backend: CodeBuildBackend, project: str, name_or_arn: str) -> str:
    """The report group a buildspec names, created when named by name and missing."""
    groups = report_groups(backend)
    if name_or_arn.startswith("arn:"):
        if name_or_arn not in groups:
            raise LookupError(f"report group {name_or_arn} does not exist")
        return name_or_arn
    name = f"{project}-{name_or_arn}"
    arn = f"arn:aws:codebuild:{backend.region_name}:{backend.account_id}:report-group/{name}"
    if arn not in groups:
        now = unix_time()
        groups[arn] = {"arn": arn, "name": name, "type": "TEST", "status": "ACTIVE",
                       "exportConfig": {"exportConfigType": "NO_EXPORT"}, "created": now,
                       "lastModified": now, "tags": []}
    return arn


def _seconds(text: str | None) -> float:
    try:
        return float(text or 0)
    except ValueError:
        return 0.0


def parse_junit(path: Path, raw_path: str, report_arn: str) -> list[dict[str, Any]]:
    """The test cases of one JUnit XML file (ValueError when it is not JUnit XML)."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ValueError(f"{raw_path} is not XML: {exc}") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise ValueError(f"{raw_path} is not JUnit XML (root element <{root.tag}>)")
    parent = {child: node for node in root.iter() for child in node}
    cases = []
    for case in root.iter("testcase"):  # in <testsuite>s, or right under <testsuites> (Node)
        suite = parent.get(case)
        suite_name = suite.get("name") if suite is not None and suite.tag == "testsuite" else ""
        status, message = "SUCCEEDED", None
        for tag, value in (("failure", "FAILED"), ("error", "ERROR"), ("skipped", "SKIPPED")):
            found = case.find(tag)
            if found is not None:
                status = value
                message = found.get("message") or (found.text or "").strip() or None
                break
        entry: dict[str, Any] = {
            "reportArn": report_arn, "testRawDataPath": raw_path,
            "prefix": case.get("classname") or suite_name or "",
            "name": case.get("name") or "", "status": status,
            "durationInNanoSeconds": int(_seconds(case.get("time")) * 1e9),
            "expired": None,
        }
        if message:
            entry["message"] = message
        cases.append(entry)
    return cases


def add_report(backend: CodeBuildBackend, group: str, build_arn: str, build_uuid: str,
               cases: list[dict[str, Any]], started: datetime) -> str:
    """Store a finished report of `cases` in report group `group` (an ARN); its ARN."""
    name = group.rsplit("/", 1)[-1]
    arn = (f"arn:aws:codebuild:{backend.region_name}:{backend.account_id}:report/"
           f"{name}:{build_uuid}")
    counts: dict[str, int] = {}
    for case in cases:
        case["reportArn"] = arn
        counts[case["status"]] = counts.get(case["status"], 0) + 1
    failed = counts.get("FAILED", 0) + counts.get("ERROR", 0)
    reports(backend)[arn] = {
        "arn": arn, "type": "TEST", "name": f"{name}:{build_uuid}", "reportGroupArn": group,
        "executionId": build_arn, "status": "FAILED" if failed else "SUCCEEDED",
        "created": started, "expired": None,
        "exportConfig": report_groups(backend)[group].get("exportConfig"),
        "truncated": False,
        "testSummary": {"total": len(cases), "statusCounts": counts,
                        "durationInNanoSeconds": sum(c["durationInNanoSeconds"] for c in cases)},
        "_cases": cases,
    }
    return arn


def public(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if not k.startswith("_")}


# --- the API (added to moto.codebuild.responses.CodeBuildResponse) --------------------------------

def _backend(response: Any) -> CodeBuildBackend:
    return codebuild_backends[response.current_account][response.region]


@adds("moto.codebuild.responses:CodeBuildResponse.batch_get_reports")
def batch_get_reports(self: Any) -> Any:
    """CodeBuild BatchGetReports: moto has no test reports (added)."""
    from moto.core.responses import ActionResult

    stored = reports(_backend(self))
    arns = self._get_param("reportArns") or []
    return ActionResult({"reports": [public(stored[a]) for a in arns if a in stored],
                         "reportsNotFound": [a for a in arns if a not in stored]})


@adds("moto.codebuild.responses:CodeBuildResponse.describe_test_cases")
def describe_test_cases(self: Any) -> Any:
    """CodeBuild DescribeTestCases: moto has no test reports (added)."""
    from moto.codebuild.exceptions import ResourceNotFoundException
    from moto.core.responses import ActionResult

    arn = self._get_param("reportArn")
    report = reports(_backend(self)).get(arn)
    if report is None:
        raise ResourceNotFoundException(f"Report {arn} does not exist")
    wanted = (self._get_param("filter") or {}).get("status")
    cases = [c for c in report["_cases"] if wanted is None or c["status"] == wanted]
    return ActionResult({"testCases": cases})


@adds("moto.codebuild.responses:CodeBuildResponse.list_reports_for_report_group")
def list_reports_for_report_group(self: Any) -> Any:
    """CodeBuild ListReportsForReportGroup: moto has no test reports (added)."""
    from moto.core.responses import ActionResult

    group = self._get_param("reportGroupArn")
    found = [r for r in reports(_backend(self)).values() if r["reportGroupArn"] == group]
    found.sort(key=lambda r: r["created"], reverse=True)
    return ActionResult({"reports": [r["arn"] for r in found]})


@adds("moto.codebuild.responses:CodeBuildResponse.list_reports")
def list_reports(self: Any) -> Any:
    """CodeBuild ListReports: moto has no test reports (added)."""
    from moto.core.responses import ActionResult

    found = sorted(reports(_backend(self)).values(), key=lambda r: r["created"], reverse=True)
    return ActionResult({"reports": [r["arn"] for r in found]})
