"""Patches of moto's CodePipeline: executions run (`executions.py`), and the APIs that start,
watch and answer them.

moto records an execution and calls it Succeeded at once; here StartPipelineExecution,
CreatePipeline (which starts one, as in AWS), an EventBridge rule targeting the pipeline and the
poller of `PollForSourceChanges` sources start executions that run, and GetPipelineState,
ListActionExecutions, PutJobSuccessResult, PutJobFailureResult, PutApprovalResult,
StopPipelineExecution and RollbackStage (which moto lacks) answer what really happened.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from moto.codepipeline.exceptions import (
    InvalidStructureException,
    PipelineNotFoundException,
)
from moto.codepipeline.models import CodePipeline, CodePipelineBackend
from moto.core.exceptions import JsonRESTError
from moto.core.utils import utcnow

from pitfalls.emulator.moto_patch import adds, replaces
from pitfalls.emulator.services.codepipeline import actions, executions
from pitfalls.emulator.services.codepipeline.runs import ActionRun, Execution, stamp
from pitfalls.emulator.settings import PIPELINE_POLL_SECONDS

_original_create_pipeline = CodePipelineBackend.create_pipeline


class NotFound(JsonRESTError):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(error_type, message)


def _caller(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:root"


def _pipeline(self: Any, name: str) -> CodePipeline:
    found = self.codepipeline_backend.pipelines.get(name)
    if found is None:
        raise PipelineNotFoundException(
            f"Account '{self.current_account}' does not have a pipeline with name '{name}'")
    return found


def runs_of(pipeline: CodePipeline) -> list[Execution]:
    """The pipeline's executions (ours; moto's own kind never runs here), oldest first."""
    found: list[Any] = list(pipeline.executions.values())
    return [e for e in found if isinstance(e, Execution)]


def _execution(pipeline: CodePipeline, execution_id: str) -> Execution:
    found = pipeline.executions.get(execution_id)
    if not isinstance(found, Execution):
        raise NotFound("PipelineExecutionNotFoundException",
                       f"Pipeline execution {execution_id} does not exist")
    return found


@replaces("moto.codepipeline.models:CodePipelineBackend.create_pipeline",
          "5d2b65aa65c01f883683d3acdaed57849db1c0d677883c57e38294cbe7d37dba")
def create_pipeline(self: CodePipelineBackend, pipeline: dict[str, Any],
                    tags: list[dict[str, str]]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """A new pipeline starts its first execution at once (trigger CreatePipeline), as in AWS."""
    created = _original_create_pipeline(self, pipeline, tags)
    name = pipeline["name"]
    baseline(self.pipelines[name])
    executions.start_execution(self.account_id, self.region_name, name,
                               {"triggerType": "CreatePipeline",
                                "triggerDetail": _caller(self.account_id)})
    return created


@replaces("moto.codepipeline.models:CodePipelineBackend.delete_pipeline",
          "981591fb3b2ce1b2967d68aa0d88d3c9711bc116a6f58887be27362354c0a338")
def delete_pipeline(self: CodePipelineBackend, name: str) -> None:
    """Deleting a pipeline stops its running executions."""
    pipeline = self.pipelines.pop(name, None)
    if pipeline is None:
        return
    for execution in pipeline.executions.values():
        if isinstance(execution, Execution) and execution.status == "InProgress":
            execution.abandon = True
            execution.stop_requested.set()


@replaces("moto.codepipeline.responses:CodePipelineResponse.start_pipeline_execution",
          "9ee317644ae138acfacfee235cd3d9b0667b57b56a8f37e67f0581f76dc8d539")
def start_pipeline_execution(self: Any) -> str:
    """StartPipelineExecution runs the pipeline (moto marks the execution Succeeded at once);
    pipeline variables and S3 source revision overrides are honoured."""
    name = self._get_param("name")
    _pipeline(self, name)
    overrides = self._get_param("sourceRevisions") or []
    for override in overrides:
        if override.get("revisionType") != "S3_OBJECT_VERSION_ID":
            raise InvalidStructureException(
                f"Source revision type {override.get('revisionType')} is not supported by the "
                "local AWS (S3_OBJECT_VERSION_ID is)")
    execution = executions.start_execution(
        self.current_account, self.region, name,
        {"triggerType": "StartPipelineExecution", "triggerDetail": _caller(self.current_account)},
        variables=self._get_param("variables"), source_revisions=overrides)
    return json.dumps({"pipelineExecutionId": execution.id})


@replaces("moto.codepipeline.responses:CodePipelineResponse.list_pipeline_executions",
          "bef812551aec65e342861d374901b356bcae8dbcb2c755a6cc9e26ef708bf069")
def list_pipeline_executions(self: Any) -> str:
    """ListPipelineExecutions, newest first, with the succeededInStage filter."""
    pipeline = _pipeline(self, self._get_param("pipelineName"))
    found = list(reversed(runs_of(pipeline)))
    stage = ((self._get_param("filter") or {}).get("succeededInStage") or {}).get("stageName")
    if stage:
        found = [e for e in found if e.stages.get(stage) and e.stages[stage].status == "Succeeded"]
    limit = self._get_int_param("maxResults") or 100
    return json.dumps({"pipelineExecutionSummaries": [e.to_summary_dict() for e in found[:limit]]})


@adds("moto.codepipeline.responses:CodePipelineResponse.get_pipeline_state")
def get_pipeline_state(self: Any) -> str:
    """GetPipelineState: each stage's latest execution and each action's latest run (added)."""
    pipeline = _pipeline(self, self._get_param("name"))
    gates = executions.gates_of(pipeline)
    states = []
    for stage in pipeline.pipeline["stages"]:
        latest = gates.latest.get(stage["name"])
        runs = {r.name: r for r in latest[1].actions} if latest else {}
        action_states = []
        for action in stage["actions"]:
            state: dict[str, Any] = {"actionName": action["name"]}
            run = runs.get(action["name"])
            if run is not None:
                state["latestExecution"] = run.to_state()
                if run.revision:
                    state["currentRevision"] = {"revisionId": run.revision["revisionId"],
                                                "revisionChangeId":
                                                    run.revision.get("revisionChangeIdentifier")}
            action_states.append(state)
        stage_state: dict[str, Any] = {"stageName": stage["name"],
                                       "inboundTransitionState": {"enabled": True},
                                       "actionStates": action_states}
        if latest:
            stage_state["latestExecution"] = {"pipelineExecutionId": latest[0].id,
                                              "status": latest[1].status,
                                              "type": latest[0].execution_type}
        waiting = gates.waiting.get(stage["name"]) or []
        if waiting:
            stage_state["inboundExecution"] = {"pipelineExecutionId": waiting[0].id,
                                               "status": waiting[0].status,
                                               "type": waiting[0].execution_type}
        states.append(stage_state)
    meta = pipeline.metadata
    return json.dumps({"pipelineName": pipeline.pipeline["name"],
                       "pipelineVersion": pipeline.pipeline["version"], "stageStates": states,
                       "created": meta["created"], "updated": meta["updated"]})


@adds("moto.codepipeline.responses:CodePipelineResponse.list_action_executions")
def list_action_executions(self: Any) -> str:
    """ListActionExecutions: every action run, newest first (added)."""
    pipeline = _pipeline(self, self._get_param("pipelineName"))
    wanted = (self._get_param("filter") or {}).get("pipelineExecutionId")
    runs: list[ActionRun] = []
    for execution in runs_of(pipeline):
        if wanted in (None, execution.id):
            runs.extend(execution.action_runs())
    if wanted and not any(e.id == wanted for e in runs_of(pipeline)):
        raise NotFound("PipelineExecutionNotFoundException",
                       f"Pipeline execution {wanted} does not exist")
    runs.sort(key=lambda r: r.started, reverse=True)
    limit = self._get_int_param("maxResults") or 100
    return json.dumps({"actionExecutionDetails": [r.to_detail() for r in runs[:limit]]})


def _job(job_id: str, success: dict[str, Any] | None, failure: dict[str, Any] | None) -> str:
    try:
        actions.complete_job(job_id, success, failure)
    except actions.JobNotFound:
        raise NotFound("JobNotFoundException", f"Job {job_id} does not exist") from None
    return "{}"


@adds("moto.codepipeline.responses:CodePipelineResponse.put_job_success_result")
def put_job_success_result(self: Any) -> str:
    """PutJobSuccessResult: a Lambda invoke action's job succeeded (or continues, with a
    continuationToken) (added)."""
    return _job(self._get_param("jobId"), {
        "continuationToken": self._get_param("continuationToken"),
        "executionDetails": self._get_param("executionDetails"),
        "outputVariables": self._get_param("outputVariables")}, None)


@adds("moto.codepipeline.responses:CodePipelineResponse.put_job_failure_result")
def put_job_failure_result(self: Any) -> str:
    """PutJobFailureResult: a Lambda invoke action's job failed, with its reason (added)."""
    return _job(self._get_param("jobId"), None, self._get_param("failureDetails") or {})


@adds("moto.codepipeline.responses:CodePipelineResponse.put_approval_result")
def put_approval_result(self: Any) -> str:
    """PutApprovalResult: approve or reject a manual approval action waiting for it (added)."""
    result = self._get_param("result") or {}
    if result.get("status") not in ("Approved", "Rejected"):
        raise InvalidStructureException("result.status must be Approved or Rejected")
    actions.answer_approval(self._get_param("pipelineName"), self._get_param("stageName"),
                            self._get_param("actionName"), self._get_param("token"), result)
    return json.dumps({"approvedAt": stamp(utcnow())})


@adds("moto.codepipeline.responses:CodePipelineResponse.stop_pipeline_execution")
def stop_pipeline_execution(self: Any) -> str:
    """StopPipelineExecution: stop after the running actions (or abandon them) (added)."""
    pipeline = _pipeline(self, self._get_param("pipelineName"))
    execution = _execution(pipeline, self._get_param("pipelineExecutionId"))
    if execution.status != "InProgress":
        raise NotFound("PipelineExecutionNotStoppableException",
                       f"Pipeline execution {execution.id} is {execution.status}")
    executions.stop_execution(execution, bool(self._get_param("abandon")),
                              self._get_param("reason"))
    return json.dumps({"pipelineExecutionId": execution.id})


@adds("moto.codepipeline.responses:CodePipelineResponse.rollback_stage")
def rollback_stage(self: Any) -> str:
    """RollbackStage: run a stage again with what an earlier execution ran it with (added)."""
    pipeline = _pipeline(self, self._get_param("pipelineName"))
    stage = self._get_param("stageName")
    target = _execution(pipeline, self._get_param("targetPipelineExecutionId"))
    names = [s["name"] for s in pipeline.pipeline["stages"]]
    if stage not in names or stage == names[0]:
        raise InvalidStructureException(f"Stage {stage} cannot be rolled back (a source stage "
                                        "or a stage the pipeline does not have)")
    run = target.stages.get(stage)
    if (target.execution_type != "STANDARD" or run is None or run.status != "Succeeded"
            or target.version != pipeline.pipeline["version"]):
        raise NotFound("UnableToRollbackStageException",
                       f"Execution {target.id} did not succeed in stage {stage} of the current "
                       "pipeline version, or is itself a rollback")
    execution = executions.start_rollback(
        self.current_account, self.region, pipeline.pipeline["name"], stage, target,
        {"triggerType": "ManualRollback", "triggerDetail": _caller(self.current_account)})
    return json.dumps({"pipelineExecutionId": execution.id})


# --- polling sources (PollForSourceChanges) -------------------------------------------------------

def _polled_sources(pipeline: CodePipeline) -> list[dict[str, Any]]:
    found = []
    for stage in pipeline.pipeline["stages"]:
        for action in stage["actions"]:
            t = action["actionTypeId"]
            config = action.get("configuration") or {}
            if (t["category"], t["provider"]) == ("Source", "S3") and str(
                    config.get("PollForSourceChanges", "true")).lower() != "false":
                found.append(action)
    return found


def _current_version(account_id: str, region: str, action: dict[str, Any]) -> str | None:
    from moto.s3.models import s3_backends

    config = action.get("configuration") or {}
    try:
        key = s3_backends[account_id]["aws"].get_object(config["S3Bucket"], config["S3ObjectKey"])
    except Exception:
        return None
    return str(key.version_id) if key is not None else None


def baseline(pipeline: CodePipeline) -> None:
    """What the poller has seen: the source versions when the pipeline was made."""
    account, region = pipeline._arn.split(":")[4], pipeline._arn.split(":")[3]
    pipeline.pitfalls_seen = {  # type: ignore[attr-defined]
        a["name"]: _current_version(account, region, a) for a in _polled_sources(pipeline)}


def poll_once() -> None:
    """One round of the poller: a changed polled source starts an execution."""
    from moto.codepipeline.models import codepipeline_backends

    for account, regions in list(codepipeline_backends.items()):
        for region, backend in list(regions.items()):
            for pipeline in list(backend.pipelines.values()):
                seen = getattr(pipeline, "pitfalls_seen", None)
                if seen is None:
                    continue
                for action in _polled_sources(pipeline):
                    now = _current_version(account, region, action)
                    if action["name"] not in seen:  # added by an update: from now on
                        seen[action["name"]] = now
                    elif now is not None and seen[action["name"]] != now:
                        seen[action["name"]] = now
                        executions.start_execution(
                            account, region, pipeline.pipeline["name"],
                            {"triggerType": "PollForSourceChanges",
                             "triggerDetail": action["name"]})
                        break


def _poll_forever() -> None:
    while True:
        time.sleep(PIPELINE_POLL_SECONDS)
        try:
            poll_once()
        except Exception:  # a pipeline changing under us: try again next round
            continue


def start_poller() -> None:
    threading.Thread(target=_poll_forever, daemon=True, name="pipeline-poller").start()
