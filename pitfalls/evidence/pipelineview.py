"""A pipeline as a person drives it from a notebook: upload a release, watch the execution stage
by stage while it runs, read back what it did.

    pipeline = Pipeline(aws, "PipelinePitfalls-dev")   # the pipeline stack, deployed
    run = pipeline.upload(tree)     # source.zip to the source bucket; follows the execution
    run                             # each stage and action: status, what happened, how long
    pipeline.build_log(run, "UnitTests")   # what a build printed (its CloudWatch Logs)
    pipeline.rerun(version_id)      # the pipeline again, on an earlier upload

While an execution runs, a live table shows in JupyterLab (updated every second, then cleared);
the cell's output is the finished execution, whose text does not depend on timing (durations
come last on each line, as `<n> s`, which the notebooks' tests mask). Physical names that
CloudFormation made up are shown as `<LogicalId>`.

`Callers` plays the function's users: calls through its alias while a release runs.
`drift_report` runs CloudFormation's drift detection on a stack and shows what it found.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pitfalls.evidence.local_aws import LocalAWS
from pitfalls.evidence.render import STYLE, Table

DONE = {"Succeeded", "Failed", "Stopped", "Superseded", "Cancelled"}
_BUILD_FAILED = re.compile(r"Build terminated with state: (\w+)\. Phase: (\w+), Code: \w+, "
                           r"Message: (.*)", re.S)
_COMMAND_FAILED = re.compile(r"Error while executing command: (.*)\. Reason: (.*)", re.S)


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def concise(summary: str) -> str:
    """What happened, in a line: a CodeBuild failure as the phase and the command that failed
    (shortened: its text is the buildspec's, the same on every run)."""
    summary = " ".join(summary.split())
    build = _BUILD_FAILED.match(summary)
    if build:
        state, phase, message = build.groups()
        command = _COMMAND_FAILED.match(message)
        if command:
            return (f"{phase} phase failed: `{_short(command.group(1), 48)}` "
                    f"({command.group(2)})")
        return f"{phase} phase {state}: {message}"
    return summary


def _seconds(start: Any, end: Any) -> str:
    return f"{max(0.0, (end - start).total_seconds()):.1f} s" if start and end else ""


@dataclass
class ActionRow:
    stage: str
    action: str
    status: str = "-"  # "-": it did not run
    summary: str = ""
    took: str = ""
    external_id: str = ""


@dataclass
class ExecutionView:
    """One execution of the pipeline, as CodePipeline reports it (ListActionExecutions)."""

    id: str
    status: str
    trigger: str
    rows: list[ActionRow] = field(default_factory=list)
    rollback: ExecutionView | None = None  # the stage rollback CodePipeline ran after it

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"

    def action(self, name: str) -> ActionRow:
        (row,) = [r for r in self.rows if r.action == name]
        return row

    @property
    def stopped_at(self) -> str | None:
        """'Stage/Action' of the action that failed, if one did."""
        failed = [r for r in self.rows if r.status == "Failed"]
        return f"{failed[0].stage}/{failed[0].action}" if failed else None

    def table(self) -> Table:
        return Table(["stage", "action", "status", "what happened", "took"],
                     [[r.stage, r.action, r.status, r.summary, r.took] for r in self.rows])

    def heading(self) -> str:
        return f"Execution {self.id}: {self.status} (started by {self.trigger})"

    def __repr__(self) -> str:
        text = f"{self.heading()}\n{self.table()!r}"
        if self.rollback is not None:
            text += f"\n\nThen the stage rollback:\n{self.rollback!r}"
        return text

    def _repr_html_(self) -> str:
        cls = "pp-ok" if self.succeeded else "pp-error"
        head = (f"<div class='pp-h'>Execution <code>{html.escape(self.id)}</code>: "
                f"<span class='{cls}'>{html.escape(self.status)}</span> "
                f"(started by {html.escape(self.trigger)})</div>")
        body = self.table()._repr_html_()
        if self.rollback is not None:
            body += "<div class='pp-h'>Then the stage rollback:</div>" + self.rollback._repr_html_()
        return STYLE + head + body


class _Blank:
    """What the live view leaves behind: nothing (the finished execution follows it)."""

    def __repr__(self) -> str:
        return ""

    def _repr_html_(self) -> str:
        return ""


class _Live:
    """A table that updates in place while an execution runs (JupyterLab), then clears."""

    def __init__(self) -> None:
        self.handle: Any = None
        try:
            from IPython import get_ipython
            from IPython.display import display

            if get_ipython() is not None:
                self.handle = display(_Blank(), display_id=True)
        except ImportError:
            pass

    def show(self, view: ExecutionView, elapsed: float) -> None:
        if self.handle is not None:
            view.trigger += f"; watching for {elapsed:.0f} s"
            self.handle.update(view)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.update(_Blank())


class Pipeline:
    """The deployed pipeline stack's pipeline, its source bucket and key, and what runs in it."""

    def __init__(self, aws: LocalAWS, stack: str, *, other_stacks: Iterable[str] = (),
                 timeout: float = 600) -> None:
        self.aws, self.stack, self.timeout = aws, stack, timeout
        self.masked_stacks = [stack, *other_stacks]
        self.name = aws.physical_id(stack, "AWS::CodePipeline::Pipeline")
        definition = aws.codepipeline.get_pipeline(name=self.name)["pipeline"]
        self.stages = [(s["name"], [a["name"] for a in s["actions"]])
                       for s in definition["stages"]]
        source = definition["stages"][0]["actions"][0]["configuration"]
        self.bucket, self.key = source["S3Bucket"], source["S3ObjectKey"]

    # --- starting ----------------------------------------------------------------------------

    def upload(self, archive: bytes | Any, *, watch: bool = True) -> ExecutionView:
        """Put a release on the source bucket (a `SourceTree`, or zip bytes) and follow the
        execution the upload starts (the S3 trigger: EventBridge, from the trail's record)."""
        body = archive if isinstance(archive, bytes) else archive.archive()
        version = self.aws.s3.put_object(Bucket=self.bucket, Key=self.key, Body=body)["VersionId"]
        self.last_upload = str(version)
        execution = self._wait_for(lambda e: any(r.get("revisionId") == version
                                                 for r in e.get("sourceRevisions", [])))
        return self.watch(execution) if watch else self.view(execution)

    def rerun(self, source_version: str) -> ExecutionView:
        """Run the pipeline on an earlier upload: the source object's version `source_version`."""
        started = self.aws.codepipeline.start_pipeline_execution(
            name=self.name, sourceRevisions=[{"actionName": self.stages[0][1][0],
                                              "revisionType": "S3_OBJECT_VERSION_ID",
                                              "revisionValue": source_version}])
        return self.watch(started["pipelineExecutionId"])

    def uploads(self) -> list[str]:
        """The version ids of the source object, oldest first."""
        versions = self.aws.s3.list_object_versions(Bucket=self.bucket, Prefix=self.key)
        found = [v for v in versions.get("Versions", []) if v["Key"] == self.key]
        return [v["VersionId"] for v in sorted(found, key=lambda v: v["LastModified"])]

    # --- watching ----------------------------------------------------------------------------

    def _executions(self) -> list[dict[str, Any]]:
        return list(self.aws.codepipeline.list_pipeline_executions(
            pipelineName=self.name)["pipelineExecutionSummaries"])

    def _wait_for(self, match: Callable[[dict[str, Any]], bool]) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for e in self._executions():
                if e.get("executionType", "STANDARD") == "STANDARD" and match(e):
                    return str(e["pipelineExecutionId"])
            time.sleep(0.5)
        raise TimeoutError("no execution of the pipeline started within 60 s")

    def watch(self, execution_id: str) -> ExecutionView:
        """Follow an execution to its end (live in JupyterLab), then any stage rollback it
        caused; return what happened."""
        live, started = _Live(), time.monotonic()
        try:
            while True:
                view = self.view(execution_id)
                if view.status in DONE:
                    break
                if time.monotonic() - started > self.timeout:
                    raise TimeoutError(f"execution {execution_id} still {view.status} after "
                                       f"{self.timeout:.0f} s")
                live.show(view, time.monotonic() - started)
                time.sleep(1)
            if view.status == "Failed" and view.stopped_at and self._rolls_back(view):
                view.rollback = self._follow_rollback(execution_id, live, started)
        finally:
            live.close()
        return view

    def _rolls_back(self, view: ExecutionView) -> bool:
        stage = (view.stopped_at or "").split("/")[0]
        definition = self.aws.codepipeline.get_pipeline(name=self.name)["pipeline"]
        return any(s["name"] == stage and (s.get("onFailure") or {}).get("result") == "ROLLBACK"
                   for s in definition["stages"])

    def _follow_rollback(self, failed: str, live: _Live, started: float) -> ExecutionView | None:
        end = next(e["lastUpdateTime"] for e in self._executions()
                   if e["pipelineExecutionId"] == failed)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rollbacks = [e for e in self._executions() if e.get("executionType") == "ROLLBACK"
                         and e["startTime"] >= end]
            if rollbacks:
                rollback = str(rollbacks[-1]["pipelineExecutionId"])
                while (view := self.view(rollback)).status not in DONE:
                    live.show(view, time.monotonic() - started)
                    time.sleep(1)
                return view
            time.sleep(0.5)
        return None

    def view(self, execution_id: str) -> ExecutionView:
        """The execution as CodePipeline reports it now."""
        cp = self.aws.codepipeline
        execution = cp.get_pipeline_execution(pipelineName=self.name,
                                              pipelineExecutionId=execution_id)["pipelineExecution"]
        ran = {(a["stageName"], a["actionName"]): a for a in reversed(cp.list_action_executions(
            pipelineName=self.name, filter={"pipelineExecutionId": execution_id}
        )["actionExecutionDetails"])}
        rows = []
        for stage, names in self.stages:
            for name in names:
                a = ran.get((stage, name))
                rows.append(self._row(stage, name, a) if a else ActionRow(stage, name))
        trigger = execution.get("trigger") or {}
        return ExecutionView(execution_id, execution["status"], self._trigger(trigger, execution),
                             rows)

    def _trigger(self, trigger: dict[str, Any], execution: dict[str, Any]) -> str:
        kind = trigger.get("triggerType", "")
        revision = next((r.get("revisionId") for r in execution.get("artifactRevisions") or []
                         if r.get("revisionId")), None)
        what = {"CloudWatchEvent": "an upload (EventBridge rule)",
                "StartPipelineExecution": "StartPipelineExecution",
                "CreatePipeline": "CreatePipeline (the pipeline's creation)",
                "AutomatedRollback": "a failed stage (automated rollback)",
                "PollForSourceChanges": "polling"}.get(kind, kind or "unknown")
        return what + (f", {self.key} version {revision}" if revision else "")

    def _row(self, stage: str, name: str, a: dict[str, Any]) -> ActionRow:
        result = (a.get("output") or {}).get("executionResult") or {}
        summary = result.get("externalExecutionSummary") or ""
        if a.get("status") == "Failed" and not summary:
            summary = ((a.get("output") or {}).get("errorDetails") or {}).get("message", "")
        summary = concise(self.mask(summary))
        took = _seconds(a.get("startTime"), a.get("lastUpdateTime")) if a.get("status") in DONE \
            else "running"
        return ActionRow(stage, name, str(a.get("status")), summary, took,
                         str(result.get("externalExecutionId") or ""))

    def mask(self, text: str) -> str:
        for stack in self.masked_stacks:
            try:
                text = self.aws.masked(text, stack)
            except Exception:  # a stack not (yet) there names nothing to mask
                continue
        return text

    # --- reading what ran --------------------------------------------------------------------

    def build_log(self, run: ExecutionView, action: str, *, brief: bool = True) -> str:
        """What the build behind `action` printed (its CloudWatch Logs stream); `brief`: the
        test results and errors only."""
        from pitfalls.evidence.localrun import brief_lines, mask_volatile

        build_id = run.action(action).external_id
        build = self.aws.codebuild.batch_get_builds(ids=[build_id])["builds"][0]
        logs = build["logs"]
        events = self.aws.logs.get_log_events(logGroupName=logs["groupName"],
                                              logStreamName=logs["streamName"])["events"]
        lines = [mask_volatile(e["message"]) for e in events]
        if brief:
            lines = brief_lines(lines)
        return "\n".join(self.mask(line) for line in lines)

    def executions(self) -> Table:
        """Every execution so far, newest first: how it started, how it ended."""
        rows = [[e["pipelineExecutionId"], e.get("executionType", "STANDARD"),
                 self._trigger(e.get("trigger") or {}, {"artifactRevisions": [
                     {"revisionId": r.get("revisionId")} for r in e.get("sourceRevisions", [])]}),
                 e["status"], self.mask(concise(e.get("statusSummary", "")))]
                for e in self._executions()]
        return Table(["execution", "type", "started by", "status", "summary"], rows)


# --- callers ------------------------------------------------------------------------------------


class Callers:
    """The function's users, calling it through its alias (the Lambda API, as a client would)
    from a background thread while the block runs: `with Callers(aws, fn, paths=[...]):`."""

    def __init__(self, aws: LocalAWS, function: str, *, alias: str = "live",
                 paths: Iterable[str] = ("/",), pause: float = 0.02) -> None:
        self.aws, self.function, self.alias = aws, function, alias
        self.paths, self.pause = list(paths), pause
        self.calls: Counter[tuple[str, bool]] = Counter()  # (executed version, failed) -> calls
        self.first_error: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        client = self.aws.awslambda
        while not self._stop.is_set():
            for path in self.paths:
                try:
                    r = client.invoke(FunctionName=self.function, Qualifier=self.alias,
                                      Payload=json.dumps({"rawPath": path}).encode())
                except Exception:  # an alias being moved, a stack being updated: call again
                    continue
                version, failed = str(r.get("ExecutedVersion", "?")), "FunctionError" in r
                self.calls[(version, failed)] += 1
                if failed and version not in self.first_error:
                    answer = json.loads(r["Payload"].read() or b"{}")
                    self.first_error[version] = (f"{path}: {answer.get('errorType', '')}: "
                                                 f"{answer.get('errorMessage', '')}")
            self._stop.wait(self.pause)

    def __enter__(self) -> Callers:
        self._thread = threading.Thread(target=self._run, daemon=True, name="callers")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def versions(self) -> list[str]:
        return sorted({v for v, _ in self.calls}, key=lambda v: (len(v), v))

    def failing(self) -> list[str]:
        """The versions whose calls failed."""
        return [v for v in self.versions() if self.calls[(v, True)]]

    def table(self) -> Table:
        # Counts change from run to run; fixed widths keep the columns where they are.
        rows = [[f"version {v}", f"{self.calls[(v, False)]:>6} call(s)",
                 f"{self.calls[(v, True)]:>6} error(s)", self.first_error.get(v, "")]
                for v in self.versions()]
        return Table(["ran on", "answered", "failed", "first error"], rows,
                     title=f"Calls through the {self.alias} alias while the release ran")

    def __repr__(self) -> str:
        return repr(self.table())

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


# --- drift -------------------------------------------------------------------------------------


@dataclass
class DriftReport:
    """What CloudFormation's drift detection found on a stack."""

    stack: str
    status: str
    rows: list[list[str]]

    def table(self) -> Table:
        return Table(["resource", "type", "drift", "differences (expected -> actual)"], self.rows,
                     title=f"Drift of stack {self.stack}: {self.status}")

    def __repr__(self) -> str:
        return repr(self.table())

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


def drift_report(aws: LocalAWS, stack: str) -> DriftReport:
    """DetectStackDrift on `stack`, then DescribeStackResourceDrifts: one row per resource."""
    cf = aws.cloudformation
    detection = cf.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
    status = cf.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
    rows = []
    for d in cf.describe_stack_resource_drifts(StackName=stack)["StackResourceDrifts"]:
        diffs = "; ".join(
            f"{p['PropertyPath']}: {p['ExpectedValue'] or '(none)'} -> {p['ActualValue'] or '(none)'}"
            + ("" if p["DifferenceType"] == "NOT_EQUAL" else f" ({p['DifferenceType']})")
            for p in d.get("PropertyDifferences", []))
        rows.append([d["LogicalResourceId"], d["ResourceType"], d["StackResourceDriftStatus"],
                     aws.masked(diffs, stack)])
    return DriftReport(stack, str(status["StackDriftStatus"]), rows)
