"""CodeBuild projects and report groups."""

from __future__ import annotations

from typing import Any

from moto.codebuild.models import CodeBuildBackend, codebuild_backends
from moto.core.utils import unix_time
from moto.iam.exceptions import NotFoundException as IAMNotFound
from moto.iam.models import iam_backends

from pitfalls.emulator.cloudformation.api_shape import api_tags, to_api
from pitfalls.emulator.cloudformation.errors import InvalidProperty, UnsupportedProperty
from pitfalls.emulator.cloudformation.resource import Resource, register

# The API spells Source.BuildSpec "buildspec" (all lower case).
RENAME = {"BuildSpec": "buildspec"}
SOURCE_KEYS = {"Type", "BuildSpec", "Location", "GitCloneDepth", "InsecureSsl",
               "ReportBuildStatus"}


def codebuild(account_id: str, region: str) -> CodeBuildBackend:
    return codebuild_backends[account_id][region]


@register
class Project(Resource):
    TYPE = "AWS::CodeBuild::Project"
    NAME_PROPERTY = "Name"
    NAME_MAX = 150
    PROPERTIES = {
        "Name": "", "Description": "",
        "Source": "Type, BuildSpec, Location, GitCloneDepth, InsecureSsl, ReportBuildStatus",
        "Artifacts": "", "Environment": "incl. EnvironmentVariables", "ServiceRole": "must exist",
        "EncryptionKey": "", "LogsConfig": "", "Cache": "", "TimeoutInMinutes": "",
        "QueuedTimeoutInMinutes": "", "ConcurrentBuildLimit": "", "Tags": "",
    }
    REQUIRED = ("Source", "Artifacts", "Environment", "ServiceRole")
    ATTRIBUTES = ("Arn",)
    REF = "project name"
    READ_BACK = "BatchGetProjects"

    @classmethod
    def check(cls, props: dict[str, Any]) -> None:
        for key in props["Source"]:
            if key not in SOURCE_KEYS:
                raise UnsupportedProperty(cls.TYPE, f"Source.{key}")

    def _metadata(self) -> dict[str, Any]:
        p = self.props
        try:
            iam_backends[self.account_id][self.partition].get_role_by_arn(p["ServiceRole"])
        except IAMNotFound:
            raise InvalidProperty(f"CodeBuild is not authorized to perform: sts:AssumeRole on "
                                  f"{p['ServiceRole']} (the role does not exist)") from None
        meta: dict[str, Any] = {
            "source": to_api(p["Source"], rename=RENAME),
            "artifacts": to_api(p["Artifacts"]),
            "environment": to_api(p["Environment"]),
            "serviceRole": p["ServiceRole"],
            "cache": to_api(p.get("Cache", {"Type": "NO_CACHE"})),
            "timeoutInMinutes": int(p.get("TimeoutInMinutes", 60)),
            "queuedTimeoutInMinutes": int(p.get("QueuedTimeoutInMinutes", 480)),
            "encryptionKey": p.get("EncryptionKey",
                                   f"{self.arn_prefix}:kms:{self.region}:{self.account_id}:"
                                   "alias/aws/s3"),
            "tags": api_tags(p.get("Tags")),
            "lastModified": unix_time(),
        }
        if "Description" in p:
            meta["description"] = p["Description"]
        if "LogsConfig" in p:
            meta["logsConfig"] = to_api(p["LogsConfig"])
        if "ConcurrentBuildLimit" in p:
            meta["concurrentBuildLimit"] = int(p["ConcurrentBuildLimit"])
        return meta

    def create(self) -> None:
        meta = self._metadata()
        b = codebuild(self.account_id, self.region)
        if self.name in b.codebuild_projects:
            raise InvalidProperty(f"Project already exists: {self.name}")
        b.create_project(
            project_name=self.name, description=meta.get("description"),
            project_source=meta["source"], artifacts=meta["artifacts"],
            environment=meta["environment"], service_role=meta["serviceRole"], tags=meta["tags"],
            cache=meta["cache"], timeout=meta["timeoutInMinutes"],
            queued_timeout=meta["queuedTimeoutInMinutes"], source_version=None,
            logs_config=meta.get("logsConfig"), vpc_config=None)
        b.codebuild_projects[self.name].project_metadata.update(meta)

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        project = codebuild(self.account_id, self.region).codebuild_projects[self.name]
        for key in ("description", "logsConfig", "concurrentBuildLimit"):
            project.project_metadata.pop(key, None)
        project.project_metadata.update(self._metadata())
        project.tags = project.project_metadata["tags"]

    def destroy(self) -> None:
        b = codebuild(self.account_id, self.region)
        if self.name in b.codebuild_projects:
            b.delete_project(self.name)

    def attribute(self, name: str) -> Any:
        return codebuild(self.account_id, self.region).codebuild_projects[self.name].arn


@register
class ReportGroup(Resource):
    TYPE = "AWS::CodeBuild::ReportGroup"
    NAME_PROPERTY = "Name"
    NAME_MAX = 128
    PROPERTIES = {"Name": "", "Type": "TEST or CODE_COVERAGE", "ExportConfig": "",
                  "DeleteReports": "", "Tags": ""}
    REQUIRED = ("Type", "ExportConfig")
    REPLACE_ON = frozenset({"Type"})
    ATTRIBUTES = ("Arn",)
    REF = "report group ARN"
    READ_BACK = "BatchGetReportGroups (added to moto)"

    def _store(self) -> dict[str, dict[str, Any]]:
        from pitfalls.emulator.services.codebuild.patches import report_groups

        return report_groups(codebuild(self.account_id, self.region))

    def create(self) -> None:
        arn = (f"{self.arn_prefix}:codebuild:{self.region}:{self.account_id}:"
               f"report-group/{self.name}")
        if arn in self._store():
            raise InvalidProperty(f"Report group {self.name} already exists")
        self.physical_id = arn
        now = unix_time()
        self._store()[arn] = {"arn": arn, "name": self.name, "created": now, "status": "ACTIVE"}
        self.update({}, set(self.props))

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        group = self._store()[self.physical_id]
        group.update({
            "type": self.props["Type"],
            "exportConfig": to_api(self.props["ExportConfig"]),
            "tags": api_tags(self.props.get("Tags")),
            "lastModified": unix_time(),
        })

    def destroy(self) -> None:
        self._store().pop(self.physical_id, None)

    def attribute(self, name: str) -> Any:
        return self.physical_id
