"""What a pipeline execution is made of: the execution, its stage runs and action runs.

Each class keeps what happened and answers in the API's shapes
(https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineExecution.html,
API_StageState, API_ActionExecutionDetail); `executions.py` runs them.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.core.utils import iso_8601_datetime_with_milliseconds, utcnow

from pitfalls.emulator.services.codepipeline.artifacts import ArtifactRef, ArtifactStore


class ActionFailed(Exception):
    """An action ends FAILED with this message (and a FailureDetails type)."""

    def __init__(self, message: str, code: str = "JobFailed") -> None:
        super().__init__(message)
        self.message = message[:2048]
        self.code = code


def stamp(when: datetime) -> str:
    return iso_8601_datetime_with_milliseconds(when)


@dataclass
class ActionRun:
    """One run of one action in one execution."""

    execution: Execution
    stage: str
    definition: dict[str, Any]  # the action as GetPipeline gives it
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "InProgress"
    started: datetime = field(default_factory=utcnow)
    updated: datetime = field(default_factory=utcnow)
    summary: str | None = None
    external_id: str | None = None
    external_url: str | None = None
    error: tuple[str, str] | None = None  # (code, message)
    resolved: dict[str, Any] = field(default_factory=dict)
    inputs: list[ArtifactRef] = field(default_factory=list)
    outputs: list[ArtifactRef] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    revision: dict[str, Any] | None = None  # a source action's revision
    token: str | None = None  # an approval's token
    log_stream: str | None = None

    @property
    def name(self) -> str:
        return str(self.definition["name"])

    @property
    def type_id(self) -> dict[str, str]:
        return dict(self.definition["actionTypeId"])

    def finish(self, status: str, summary: str | None = None,
               error: tuple[str, str] | None = None) -> None:
        self.status, self.updated = status, utcnow()
        if summary is not None:
            self.summary = summary[:2048]
        self.error = error

    def to_state(self) -> dict[str, Any]:
        """ActionExecution (GetPipelineState's latestExecution of an action)."""
        out: dict[str, Any] = {"actionExecutionId": self.id, "status": self.status,
                               "lastStatusChange": stamp(self.updated)}
        for key, value in (("summary", self.summary), ("externalExecutionId", self.external_id),
                           ("externalExecutionUrl", self.external_url), ("token", self.token),
                           ("logStreamARN", self.log_stream)):
            if value:
                out[key] = value
        if self.error:
            out["errorDetails"] = {"code": self.error[0], "message": self.error[1]}
        return out

    def execution_result(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in (("externalExecutionId", self.external_id),
                           ("externalExecutionSummary", self.summary),
                           ("externalExecutionUrl", self.external_url)):
            if value:
                result[key] = value
        if self.error:
            result["errorDetails"] = {"code": self.error[0], "message": self.error[1]}
        return result

    def to_detail(self) -> dict[str, Any]:
        """ActionExecutionDetail (ListActionExecutions)."""
        d = self.definition
        return {
            "pipelineExecutionId": self.execution.id,
            "actionExecutionId": self.id,
            "pipelineVersion": self.execution.version,
            "stageName": self.stage,
            "actionName": self.name,
            "startTime": stamp(self.started),
            "lastUpdateTime": stamp(self.updated),
            "status": self.status,
            "input": {
                "actionTypeId": self.type_id,
                "configuration": dict(d.get("configuration") or {}),
                "resolvedConfiguration": self.resolved,
                **({"roleArn": d["roleArn"]} if d.get("roleArn") else {}),
                "region": d.get("region") or self.execution.region,
                "inputArtifacts": [a.to_api() for a in self.inputs],
                **({"namespace": d["namespace"]} if d.get("namespace") else {}),
            },
            "output": {
                "outputArtifacts": [a.to_api() for a in self.outputs],
                "executionResult": self.execution_result(),
                "outputVariables": dict(self.variables),
            },
        }


@dataclass
class StageRun:
    name: str
    status: str = "InProgress"
    actions: list[ActionRun] = field(default_factory=list)


@dataclass
class Execution:
    """One pipeline execution: what started it, what it carries, how each stage went."""

    account_id: str
    region: str
    pipeline: str
    definition: dict[str, Any]  # the pipeline structure it runs (a snapshot)
    trigger: dict[str, str]
    execution_type: str = "STANDARD"
    rollback_target: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "InProgress"
    summary: str | None = None
    started: datetime = field(default_factory=utcnow)
    updated: datetime = field(default_factory=utcnow)
    variables: dict[str, str] = field(default_factory=dict)  # pipeline-level (V2)
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    artifacts: dict[str, ArtifactRef] = field(default_factory=dict)
    revisions: list[dict[str, Any]] = field(default_factory=list)  # one per source action
    stages: dict[str, StageRun] = field(default_factory=dict)
    source_overrides: dict[str, str] = field(default_factory=dict)  # action -> S3 version id
    stop_requested: threading.Event = field(default_factory=threading.Event)
    abandon: bool = False
    stop_reason: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def version(self) -> int:
        return int(self.definition.get("version", 1))

    @property
    def mode(self) -> str:
        return str(self.definition.get("executionMode", "SUPERSEDED"))

    @property
    def arn(self) -> str:
        return f"arn:aws:codepipeline:{self.region}:{self.account_id}:{self.pipeline}"

    @property
    def store(self) -> ArtifactStore:
        return ArtifactStore(self.account_id, self.region, self.pipeline,
                             self.definition.get("artifactStore") or {})

    def touch(self, status: str | None = None, summary: str | None = None) -> None:
        if status:
            self.status = status
        if summary is not None:
            self.summary = summary
        self.updated = utcnow()

    def action_runs(self) -> list[ActionRun]:
        return [run for stage in self.stages.values() for run in stage.actions]

    def _artifact_revisions(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in {
            "name": r["artifact"], "revisionId": r.get("revisionId"),
            "revisionSummary": r.get("revisionSummary"), "created": r.get("created"),
            "revisionUrl": r.get("revisionUrl")}.items() if v} for r in self.revisions]

    def _source_revisions(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in {
            "actionName": r["actionName"], "revisionId": r.get("revisionId"),
            "revisionSummary": r.get("revisionSummary"),
            "revisionUrl": r.get("revisionUrl")}.items() if v} for r in self.revisions]

    def _common(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "pipelineExecutionId": self.id, "status": self.status,
            "trigger": dict(self.trigger), "executionMode": self.mode,
            "executionType": self.execution_type,
        }
        if self.summary:
            out["statusSummary"] = self.summary
        if self.rollback_target:
            out["rollbackMetadata"] = {"rollbackTargetPipelineExecutionId": self.rollback_target}
        return out

    def to_dict(self) -> dict[str, Any]:
        """PipelineExecution (GetPipelineExecution)."""
        return {"pipelineName": self.pipeline, "pipelineVersion": self.version,
                **self._common(), "artifactRevisions": self._artifact_revisions(),
                "variables": [{"name": k, "resolvedValue": v} for k, v in self.variables.items()]}

    def to_summary_dict(self) -> dict[str, Any]:
        """PipelineExecutionSummary (ListPipelineExecutions)."""
        out = {**self._common(), "startTime": stamp(self.started),
               "lastUpdateTime": stamp(self.updated), "sourceRevisions": self._source_revisions()}
        if self.status in ("Stopped", "Stopping") and self.stop_reason is not None:
            out["stopTrigger"] = {"reason": self.stop_reason}
        return out
