"""Pipeline executions that run: stages in order, actions by run order, in the server process.

Each execution runs in a background thread of the emulator, so requests are never blocked. It
follows https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts-how-it-works.html:
- stages run in order; a stage's actions run by `runOrder`, actions of the same run order in
  parallel; a failed action fails its stage once the other actions of its run order have ended,
  and nothing later runs;
- a stage holds one execution at a time (execution modes,
  https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts-how-it-works.html#concepts-how-it-works-executions):
  SUPERSEDED (the default): an execution waiting to enter a stage is superseded by a newer one
  that arrives there; QUEUED: waiting executions enter one by one in arrival order; PARALLEL:
  executions do not wait for each other;
- a V2 stage whose `onFailure` result is ROLLBACK starts, when it fails, a rollback execution of
  that stage with the source revisions, artifacts and variables of the last execution that
  succeeded in it (https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-rollback.html);
- every state change of the execution, its stages and actions goes to the default event bus in
  the shapes of https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html
  (and to the pipeline's notification rules).
Every action is bounded in time (`ACTION_TIMEOUT_SECONDS`), so an execution always ends.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from moto.codepipeline.models import CodePipeline, CodePipelineBackend, codepipeline_backends
from moto.events.models import events_backends

from pitfalls.emulator.cloudformation.errors import reason_of
from pitfalls.emulator.services.codepipeline.artifacts import ArtifactError
from pitfalls.emulator.services.codepipeline.runs import (
    ActionFailed,
    ActionRun,
    Execution,
    StageRun,
    stamp,
)
from pitfalls.emulator.services.codepipeline.variables import UnresolvedVariable, resolve
from pitfalls.emulator.settings import PIPELINE_ACTION_TIMEOUT_SECONDS

# Event (and notification) delivery goes one at a time: moto's services are not thread-safe.
_deliver = threading.Lock()

DETAIL_TYPES = {"pipeline": "CodePipeline Pipeline Execution State Change",
                "stage": "CodePipeline Stage Execution State Change",
                "action": "CodePipeline Action Execution State Change"}


def backend(account_id: str, region: str) -> CodePipelineBackend:
    return codepipeline_backends[account_id][region]


def pipeline_of(execution: Execution) -> CodePipeline | None:
    return backend(execution.account_id, execution.region).pipelines.get(execution.pipeline)


# --- events -----------------------------------------------------------------------------------

def emit(execution: Execution, level: str, state: str, extra: dict[str, Any] | None = None,
         additional: dict[str, Any] | None = None) -> None:
    """One state-change event on the default bus, and to the pipeline's notification rules."""
    detail: dict[str, Any] = {
        "pipeline": execution.pipeline,
        "execution-id": execution.id,
        "start-time": stamp(execution.started),
        **(extra or {}),
        "state": state,
        "version": float(execution.version),
        "pipeline-execution-attempt": 1.0,
    }
    if level == "pipeline" and state == "STARTED":
        detail["execution-trigger"] = {"trigger-type": execution.trigger["triggerType"],
                                       "trigger-detail": execution.trigger["triggerDetail"]}
    from pitfalls.emulator.services.codestarnotifications.delivery import notify

    with _deliver:
        events_backends[execution.account_id][execution.region].put_events([{
            "Source": "aws.codepipeline", "DetailType": DETAIL_TYPES[level],
            "Detail": json.dumps(detail), "Resources": [execution.arn],
        }])
        notify(execution.account_id, execution.region, execution.arn, DETAIL_TYPES[level],
               detail, additional or {})


def _action_event(run: ActionRun, state: str) -> None:
    d = run.definition
    extra: dict[str, Any] = {"stage": run.stage, "action-execution-id": run.id,
                             "action": run.name, "region": d.get("region") or run.execution.region,
                             "type": {k: run.type_id[k] for k in ("owner", "provider", "category",
                                                                  "version")}}
    if run.inputs:
        extra["input-artifacts"] = [a.to_api() for a in run.inputs]
    if state != "STARTED":
        result = {k: v for k, v in {
            "external-execution-url": run.external_url,
            "external-execution-summary": run.summary,
            "external-execution-id": run.external_id,
            "error-code": run.error[0] if run.error else None}.items() if v}
        if result:
            extra["execution-result"] = result
        if run.outputs:
            extra["output-artifacts"] = [a.to_api() for a in run.outputs]
    additional = {"additionalInformation": run.summary} if state == "FAILED" and run.summary \
        else {}
    emit(run.execution, "action", state, extra, additional)


# --- stage gates (execution modes) ------------------------------------------------------------

class Gates:
    """Who holds each stage of a pipeline, and who waits to enter it."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.holder: dict[str, Execution] = {}
        self.waiting: dict[str, list[Execution]] = defaultdict(list)
        self.latest: dict[str, tuple[Execution, StageRun]] = {}  # per stage: the last to enter

    def enter(self, execution: Execution, stage: str) -> bool:
        """Wait to enter `stage`; False when superseded or stopped while waiting."""
        if execution.mode == "PARALLEL":
            return True
        with self.cond:
            queue = self.waiting[stage]
            if execution.mode == "SUPERSEDED":
                for older in queue:
                    supersede(older, execution)
                queue.clear()
            queue.append(execution)
            while True:
                if execution.status == "Superseded" or execution.stop_requested.is_set():
                    if execution in queue:
                        queue.remove(execution)
                    self.cond.notify_all()
                    return False
                if stage not in self.holder and queue and queue[0] is execution:
                    queue.pop(0)
                    self.holder[stage] = execution
                    return True
                self.cond.wait(timeout=0.5)

    def leave(self, execution: Execution, stage: str) -> None:
        with self.cond:
            if self.holder.get(stage) is execution:
                del self.holder[stage]
            self.cond.notify_all()


def gates_of(pipeline: CodePipeline) -> Gates:
    if not hasattr(pipeline, "pitfalls_gates"):
        pipeline.pitfalls_gates = Gates()  # type: ignore[attr-defined]
    return pipeline.pitfalls_gates  # type: ignore[attr-defined]


def supersede(older: Execution, newer: Execution) -> None:
    older.touch("Superseded", f"Superseded by execution {newer.id}")


# --- running ----------------------------------------------------------------------------------

Provider = Callable[[Any], None]


def _run_action(run: ActionRun, providers: dict[tuple[str, str, str], Provider]) -> None:
    """Run one action to its end; whatever goes wrong becomes a FAILED action with a reason."""
    from pitfalls.emulator.services.codepipeline.actions import Context, supported

    execution = run.execution
    d = run.definition
    try:
        for artifact in d.get("inputArtifacts") or []:
            ref = execution.artifacts.get(artifact["name"])
            if ref is None:
                raise ActionFailed(f"Input artifact {artifact['name']} does not exist: no "
                                   "action that ran before produced it", "ConfigurationError")
            run.inputs.append(ref)
        _action_event(run, "STARTED")
        t = run.type_id
        provider = providers.get((t["category"], t["owner"], t["provider"]))
        if provider is None:
            raise ActionFailed(
                f"The action provider {t['owner']}/{t['category']}/{t['provider']} is not run "
                f"by the local AWS (it runs {supported()})", "ConfigurationError")
        run.resolved = resolve(dict(d.get("configuration") or {}), execution.namespaces)
        provider(Context(run))
    except ActionFailed as failure:
        run.finish("Failed", failure.message, (failure.code, failure.message))
    except (ArtifactError, UnresolvedVariable) as exc:
        run.finish("Failed", str(exc), ("JobFailed", str(exc)))
    except Exception as exc:  # a bug of ours must still end the action, never the server
        message = f"The local AWS failed to run the action: {reason_of(exc)}"
        run.finish("Failed", message, ("JobFailed", message))
    else:
        if run.status == "InProgress":
            run.finish("Succeeded")
    if run.status == "Abandoned":
        return
    if run.status == "Succeeded":
        for ref in run.outputs:
            execution.artifacts[ref.name] = ref
        if d.get("namespace"):
            execution.namespaces[d["namespace"]] = dict(run.variables)
        if run.revision:
            execution.revisions.append(run.revision)
    _action_event(run, "SUCCEEDED" if run.status == "Succeeded" else "FAILED")


def _run_stage(execution: Execution, stage: dict[str, Any], gates: Gates) -> str:
    """Run one stage; its final status (Succeeded, Failed, Stopped)."""
    from pitfalls.emulator.services.codepipeline.actions import PROVIDERS

    run = StageRun(stage["name"])
    execution.stages[run.name] = run
    gates.latest[run.name] = (execution, run)
    emit(execution, "stage", "STARTED", {"stage": run.name})
    by_order: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for action in stage["actions"]:
        by_order[int(action.get("runOrder", 1))].append(action)
    for order in sorted(by_order):
        if execution.stop_requested.is_set():
            run.status = "Stopped"
            break
        runs = [ActionRun(execution, run.name, a) for a in by_order[order]]
        run.actions.extend(runs)
        threads = [threading.Thread(target=_run_action, args=(r, PROVIDERS), daemon=True,
                                    name=f"pipeline-action-{r.name}") for r in runs]
        for t in threads:
            t.start()
        for t, r in zip(threads, runs, strict=True):
            t.join(PIPELINE_ACTION_TIMEOUT_SECONDS + 30)
            if t.is_alive() and r.status == "InProgress":  # a provider that overran its bound
                r.finish("Failed", "The action did not finish within "
                         f"{PIPELINE_ACTION_TIMEOUT_SECONDS} s", ("JobFailed", "timed out"))
        if execution.abandon:
            for r in runs:
                if r.status == "InProgress":
                    r.finish("Abandoned")
                    _action_event(r, "ABANDONED")
            run.status = "Stopped"
            break
        if any(r.status != "Succeeded" for r in runs):
            run.status = "Failed"
            break
    else:
        run.status = "Succeeded"
    state = {"Succeeded": "SUCCEEDED", "Failed": "FAILED", "Stopped": "STOPPED"}[run.status]
    emit(execution, "stage", state, {"stage": run.name})
    return run.status


def _failure_attributes(execution: Execution, stage: str) -> dict[str, Any]:
    failed = [r for r in execution.stages[stage].actions if r.status == "Failed"]
    return {"failedActionCount": len(failed),
            "failedActions": [{"action": r.name, "additionalInformation": r.summary or ""}
                              for r in failed],
            "failedStage": stage}


def run_execution(execution: Execution, stages: list[dict[str, Any]]) -> None:
    """The body of an execution's thread."""
    pipeline = pipeline_of(execution)
    gates = gates_of(pipeline) if pipeline is not None else Gates()
    emit(execution, "pipeline", "STARTED")
    held: str | None = None
    try:
        for stage in stages:
            if not gates.enter(execution, stage["name"]):
                break
            if held:
                gates.leave(execution, held)
            held = stage["name"]
            status = _run_stage(execution, stage, gates)
            if status == "Stopped":
                execution.touch("Stopped")
                break
            if status == "Failed":
                execution.touch("Failed", f"Stage {stage['name']} failed")
                emit(execution, "pipeline", "FAILED",
                     additional=_failure_attributes(execution, stage["name"]))
                if execution.execution_type == "STANDARD":
                    _maybe_roll_back(execution, stage, stages)
                return
            gates.leave(execution, stage["name"])
            held = None
        else:
            execution.touch("Succeeded")
            emit(execution, "pipeline", "SUCCEEDED")
            return
        if execution.status == "Superseded":
            emit(execution, "pipeline", "SUPERSEDED")
        elif execution.stop_requested.is_set():
            execution.touch("Stopped")
            emit(execution, "pipeline", "STOPPED")
    except Exception as exc:  # never leave an execution InProgress
        execution.touch("Failed", f"The local AWS failed to run the execution: {reason_of(exc)}")
        emit(execution, "pipeline", "FAILED")
    finally:
        if held:
            gates.leave(execution, held)
        execution.done.set()


def _maybe_roll_back(failed: Execution, stage: dict[str, Any],
                     stages: list[dict[str, Any]]) -> None:
    """OnFailure ROLLBACK: roll the stage back to the last execution that succeeded in it."""
    if (stage.get("onFailure") or {}).get("result") != "ROLLBACK":
        return
    if stages and stages[0]["name"] == stage["name"]:
        return  # a source stage cannot be rolled back
    target = last_success_in(failed, stage["name"])
    if target is None:
        return
    start_rollback(failed.account_id, failed.region, failed.pipeline, stage["name"], target,
                   {"triggerType": "AutomatedRollback", "triggerDetail": failed.id})


def last_success_in(current: Execution, stage: str) -> Execution | None:
    """The newest standard execution of the same pipeline structure that succeeded in `stage`."""
    pipeline = pipeline_of(current)
    if pipeline is None:
        return None
    found: list[Any] = list(pipeline.executions.values())
    for execution in reversed(found):
        if not isinstance(execution, Execution) or execution is current:
            continue
        run = execution.stages.get(stage)
        if (execution.execution_type == "STANDARD" and execution.version == current.version
                and run is not None and run.status == "Succeeded"):
            return execution
    return None


# --- starting ---------------------------------------------------------------------------------

def _launch(execution: Execution, stages: list[dict[str, Any]]) -> Execution:
    pipeline = pipeline_of(execution)
    assert pipeline is not None
    pipeline.executions[execution.id] = execution  # type: ignore[assignment]
    threading.Thread(target=run_execution, args=(execution, stages), daemon=True,
                     name=f"pipeline-{execution.pipeline}-{execution.id[:8]}").start()
    return execution


def _pipeline_variables(definition: dict[str, Any],
                        given: list[dict[str, str]] | None) -> dict[str, str]:
    from moto.codepipeline.exceptions import InvalidStructureException

    declared = {v["name"]: v.get("defaultValue", "") for v in definition.get("variables") or []}
    values = dict(declared)
    for v in given or []:
        if v["name"] not in declared:
            raise InvalidStructureException(f"Pipeline variable {v['name']} is not declared in "
                                            f"pipeline {definition['name']}")
        values[v["name"]] = v["value"]
    return values


def start_execution(account_id: str, region: str, name: str, trigger: dict[str, str],
                    variables: list[dict[str, str]] | None = None,
                    source_revisions: list[dict[str, str]] | None = None) -> Execution:
    """Start a standard execution of pipeline `name` in the background."""
    from moto.codepipeline.exceptions import PipelineNotFoundException

    pipeline = backend(account_id, region).pipelines.get(name)
    if pipeline is None:
        raise PipelineNotFoundException(
            f"Account '{account_id}' does not have a pipeline with name '{name}'")
    definition = json.loads(json.dumps(pipeline.pipeline))
    execution = Execution(account_id, region, name, definition, trigger,
                          variables=_pipeline_variables(definition, variables))
    execution.namespaces["codepipeline"] = {"PipelineExecutionId": execution.id}
    execution.namespaces["variables"] = dict(execution.variables)
    for override in source_revisions or []:
        execution.source_overrides[override["actionName"]] = override["revisionValue"]
    return _launch(execution, definition["stages"])


def start_rollback(account_id: str, region: str, name: str, stage: str, target: Execution,
                   trigger: dict[str, str]) -> Execution:
    """A rollback execution: `stage` again, with what `target` ran it with."""
    pipeline = backend(account_id, region).pipelines[name]
    definition = json.loads(json.dumps(pipeline.pipeline))
    execution = Execution(account_id, region, name, definition, trigger,
                          execution_type="ROLLBACK", rollback_target=target.id,
                          variables=dict(target.variables))
    execution.namespaces = {k: dict(v) for k, v in target.namespaces.items()}
    execution.namespaces["codepipeline"] = {"PipelineExecutionId": execution.id}
    execution.artifacts = dict(target.artifacts)
    execution.revisions = [dict(r) for r in target.revisions]
    stages = [s for s in definition["stages"] if s["name"] == stage]
    return _launch(execution, stages)


def stop_execution(execution: Execution, abandon: bool, reason: str | None) -> None:
    execution.abandon = abandon
    execution.stop_reason = reason or ""
    execution.touch("Stopping")
    emit(execution, "pipeline", "STOPPING", {"stop-execution-comments": reason or ""})
    execution.stop_requested.set()
