"""Additions to moto's CodeBuild: report groups (moto has none), stored next to its projects."""

from __future__ import annotations

from typing import Any

from moto.codebuild.models import CodeBuildBackend, codebuild_backends
from moto.core.responses import ActionResult

from pitfalls.emulator.moto_patch import adds


def report_groups(backend: CodeBuildBackend) -> dict[str, dict[str, Any]]:
    """Report groups by ARN, kept on moto's CodeBuild backend."""
    if not hasattr(backend, "pitfalls_report_groups"):
        backend.pitfalls_report_groups = {}  # type: ignore[attr-defined]
    return backend.pitfalls_report_groups  # type: ignore[attr-defined]


@adds("moto.codebuild.responses:CodeBuildResponse.batch_get_report_groups")
def batch_get_report_groups(self: Any) -> ActionResult:
    """CodeBuild BatchGetReportGroups: moto has no API for report groups (added)."""
    groups = report_groups(codebuild_backends[self.current_account][self.region])
    arns = self._get_param("reportGroupArns") or []
    return ActionResult({
        "reportGroups": [groups[a] for a in arns if a in groups],
        "reportGroupsNotFound": [a for a in arns if a not in groups],
    })


@adds("moto.codebuild.responses:CodeBuildResponse.list_report_groups")
def list_report_groups(self: Any) -> ActionResult:
    """CodeBuild ListReportGroups: moto has no API for report groups (added)."""
    groups = report_groups(codebuild_backends[self.current_account][self.region])
    return ActionResult({"reportGroups": sorted(groups)})
