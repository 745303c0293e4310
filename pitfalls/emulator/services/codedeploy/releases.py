"""CodeDeploy releases that run here: a Lambda deployment shifts its alias's traffic by the
deployment configuration, on the emulator's clock, in a background thread of the server.

    deployment_id = start_deployment(account_id, region, application, group, appspec,
                                     creator="CloudFormation", description=...)
    wait_deployment(account_id, region, deployment_id, timeout_s) -> DeploymentInfo (finished)

CreateDeployment (AppSpec content) and CloudFormation's CodeDeployLambdaAliasUpdate both come
here. The lifecycle (https://docs.aws.amazon.com/codedeploy/latest/userguide/
reference-appspec-file-structure-hooks.html#appspec-hooks-lambda): BeforeAllowTraffic hook,
AllowTraffic (the shift), AfterAllowTraffic hook. A hook is the Lambda function the AppSpec
names, invoked asynchronously with {"DeploymentId", "LifecycleEventHookExecutionId"}; the
deployment waits for PutLifecycleEventHookExecutionStatus, at most HOOK_WAIT configured
seconds (one hour), then fails saying the hook never answered. During the shift the alias's
RoutingConfig gives the new version its share (canary: the percentage for the interval, then
all; linear: one more step each interval; all at once), and the deployment group's alarms are
watched: one in ALARM stops the deployment (ALARM_ACTIVE). On failure or stop, the group's
AutoRollbackConfiguration decides (DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM): a rollback
moves the alias back to the version it had and is recorded as its own deployment
(creator codeDeployRollback), with rollbackInfo on both.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

import yaml
from moto.codedeploy import responses as codedeploy_responses
from moto.codedeploy.models import CodeDeployBackend, DeploymentInfo, codedeploy_backends
from moto.core.utils import utcnow

from pitfalls.emulator import clock
from pitfalls.emulator.moto_patch import adds, replaces
from pitfalls.emulator.services.cloudwatch.alarms import state_now

HOOK_WAIT = 3600.0  # configured seconds a hook has to answer
POLL = 0.05  # real seconds between looks at alarms, hook answers and stop requests
# (kind, percentage, minutes): the predefined Lambda configurations
# (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html).
CONFIGS: dict[str, tuple[str, int, int]] = {
    "CodeDeployDefault.LambdaAllAtOnce": ("AllAtOnce", 100, 0),
    **{f"CodeDeployDefault.LambdaCanary10Percent{m}Minutes": ("Canary", 10, m)
       for m in (5, 10, 15, 30)},
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute": ("Linear", 10, 1),
    **{f"CodeDeployDefault.LambdaLinear10PercentEvery{m}Minutes": ("Linear", 10, m)
       for m in (2, 3, 10)},
}


class DeploymentFailed(Exception):
    def __init__(self, code: str, message: str, stopped: bool = False) -> None:
        super().__init__(message)
        self.code, self.stopped = code, stopped


@dataclass
class Release:
    """What runs a deployment: its target and the answers its hooks gave."""

    deployment: DeploymentInfo
    function: str
    alias: str
    current: str
    target: str
    hooks: dict[str, str]
    answers: dict[str, str] = field(default_factory=dict)  # hook execution id -> status
    hook_ids: dict[str, str] = field(default_factory=dict)  # hook execution id -> event
    stop_requested: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


def _releases(backend: CodeDeployBackend) -> dict[str, Release]:
    if not hasattr(backend, "pitfalls_releases"):
        backend.pitfalls_releases = {}  # type: ignore[attr-defined]
    return backend.pitfalls_releases  # type: ignore[attr-defined]


def _revisions(backend: CodeDeployBackend) -> list[dict[str, Any]]:
    """Every revision deployed, for GetApplicationRevision."""
    if not hasattr(backend, "pitfalls_revisions"):
        backend.pitfalls_revisions = []  # type: ignore[attr-defined]
    return backend.pitfalls_revisions  # type: ignore[attr-defined]


def parse_appspec(revision: dict[str, Any]) -> tuple[str, str, str, str, dict[str, str]]:
    """(function, alias, current version, target version, hooks) of a Lambda AppSpec."""
    content = ((revision.get("appSpecContent") or revision.get("string") or {})
               .get("content"))
    if revision.get("revisionType") not in ("AppSpecContent", "String") or not content:
        raise DeploymentFailed("INVALID_REVISION", "the local AWS deploys Lambda revisions "
                               "given as AppSpec content (revisionType AppSpecContent)")
    try:
        spec = yaml.safe_load(content)
        (resource,) = [next(iter(r.values())) for r in spec["Resources"]]
        props = resource["Properties"]
        function, alias = str(props["Name"]), str(props["Alias"])
        current, target = str(props["CurrentVersion"]), str(props["TargetVersion"])
    except (yaml.YAMLError, KeyError, TypeError, ValueError, StopIteration) as exc:
        raise DeploymentFailed("INVALID_REVISION", f"the AppSpec is not a Lambda AppSpec with "
                               f"one resource (Name, Alias, CurrentVersion, TargetVersion): "
                               f"{exc!r}") from None
    hooks: dict[str, str] = {}
    for entry in spec.get("Hooks") or []:
        for event, hook in dict(entry).items():
            if event not in ("BeforeAllowTraffic", "AfterAllowTraffic"):
                raise DeploymentFailed("INVALID_REVISION", f"{event} is not a lifecycle event "
                                       "of a Lambda deployment")
            hooks[event] = str(hook)
    return function, alias, current.rsplit(":", 1)[-1], target.rsplit(":", 1)[-1], hooks


# --- running a deployment -------------------------------------------------------------------------

class Runner:
    def __init__(self, backend: CodeDeployBackend, release: Release) -> None:
        self.backend, self.release = backend, release
        self.d = release.deployment
        group = self.d.deployment_group
        # moto keeps what CloudFormation or CreateDeploymentGroup gave: a dict
        alarms: dict[str, Any] = cast(dict[str, Any], group.alarm_configuration or {})
        self.alarms = [a["name"] for a in alarms.get("alarms") or []] \
            if alarms.get("enabled") else []
        rollback = self.d.auto_rollback_configuration or group.auto_rollback_configuration or {}
        self.rollback_on = set(rollback.get("events") or []) if rollback.get("enabled") else set()

    @property
    def lam(self) -> Any:
        from moto.awslambda.models import lambda_backends

        return lambda_backends[self.backend.account_id][self.backend.region_name]

    def _route(self, version: str, weight: float | None) -> None:
        """Point the alias at `version`, with the target getting `weight` of the traffic."""
        r = self.release
        routing = {"AdditionalVersionWeights": {r.target: round(weight, 4)}} if weight else {}
        self.lam.update_alias(name=r.alias, function_name=r.function, function_version=version,
                              description=None, routing_config=routing)

    def _watch(self, seconds: float) -> None:
        """Wait `seconds` of configured time, failing on an alarm or a stop request."""
        until = time.monotonic() + clock.real(seconds)
        while True:
            if self.release.stop_requested.is_set():
                raise DeploymentFailed("MANUAL_STOP", "The deployment was stopped by request "
                                       "(StopDeployment).", stopped=True)
            firing = [a for a in self.alarms if state_now(self.backend.account_id,
                                                          self.backend.region_name, a) == "ALARM"]
            if firing:
                raise DeploymentFailed("ALARM_ACTIVE", "One or more alarms have been activated "
                                       f"according to the Amazon CloudWatch metrics you "
                                       f"selected: {', '.join(firing)}", stopped=True)
            if time.monotonic() >= until:
                return
            time.sleep(min(POLL, max(0.0, until - time.monotonic())))

    def _hook(self, event: str) -> None:
        from pitfalls.emulator.services.awslambda.runtime import invoke_later

        hook = self.release.hooks.get(event)
        if not hook:
            return
        execution_id = str(uuid.uuid4())
        self.release.hook_ids[execution_id] = event
        payload = json.dumps({"DeploymentId": self.d.deployment_id,
                              "LifecycleEventHookExecutionId": execution_id})
        try:
            self.lam.get_function(hook)
        except Exception:
            raise DeploymentFailed("HOOK_EXECUTION_FAILURE", f"The {event} hook function "
                                   f"{hook} does not exist.") from None
        invoke_later(self.backend.account_id, self.backend.region_name, hook, None, payload)
        until = time.monotonic() + clock.real(HOOK_WAIT)
        while execution_id not in self.release.answers:
            if time.monotonic() >= until:
                raise DeploymentFailed("TIMEOUT", f"The {event} hook ({hook}) never answered: "
                                       "no PutLifecycleEventHookExecutionStatus within one hour "
                                       "(on the emulator's clock).")
            self._watch(0)
            time.sleep(POLL)
        if self.release.answers[execution_id] != "Succeeded":
            raise DeploymentFailed("HOOK_EXECUTION_FAILURE", f"The {event} hook ({hook}) "
                                   "reported Failed: the deployment failed in its "
                                   f"{event} lifecycle event.")

    def _shift(self) -> None:
        r = self.release
        kind, percent, minutes = CONFIGS[str(self.d.deployment_config_name)]
        if kind == "Canary":
            self._route(r.current, percent / 100)
            self._watch(minutes * 60)
        elif kind == "Linear":
            for share in range(percent, 100, percent):
                self._route(r.current, share / 100)
                self._watch(minutes * 60)
        self._route(r.target, None)

    def run(self) -> None:
        d, r = self.d, self.release
        d.status, d.start_time = "InProgress", utcnow()
        try:
            if str(d.deployment_config_name) not in CONFIGS:
                raise DeploymentFailed("INVALID_LAMBDA_CONFIGURATION", "the deployment "
                                       f"configuration {d.deployment_config_name} is not one "
                                       "the local AWS knows (the predefined Lambda ones)")
            self._check_versions()
            self._watch(0)
            self._hook("BeforeAllowTraffic")
            self._shift()
            self._hook("AfterAllowTraffic")
            self._watch(0)
        except DeploymentFailed as failure:
            self._fail(failure)
        except Exception as exc:  # a fault of ours still ends the deployment, never a hang
            self._fail(DeploymentFailed("INTERNAL_ERROR", f"the local AWS failed: {exc!r}"))
        else:
            d.status = "Succeeded"
            d.deployment_overview["Succeeded"] = 1
        finally:
            d.complete_time = utcnow()
            r.done.set()

    def _check_versions(self) -> None:
        r = self.release
        for version in (r.current, r.target):
            try:
                self.lam.get_function(r.function, version)
            except Exception:
                raise DeploymentFailed("INVALID_LAMBDA_FUNCTION", f"version {version} of "
                                       f"function {r.function} does not exist") from None
        try:
            self.lam._lambdas.get_alias(r.alias, r.function)
        except Exception:
            raise DeploymentFailed("INVALID_LAMBDA_FUNCTION", f"alias {r.alias} of function "
                                   f"{r.function} does not exist") from None

    def _fail(self, failure: DeploymentFailed) -> None:
        d, r = self.d, self.release
        d.status = "Stopped" if failure.stopped else "Failed"
        d.deployment_overview["Failed"] = 1
        d.pitfalls_error = {"code": failure.code, "message": str(failure)}  # type: ignore[attr-defined]
        event = {"ALARM_ACTIVE": "DEPLOYMENT_STOP_ON_ALARM",
                 "MANUAL_STOP": "DEPLOYMENT_STOP_ON_REQUEST"}.get(failure.code,
                                                                   "DEPLOYMENT_FAILURE")
        if event not in self.rollback_on:
            return
        self._route(r.current, None)
        rollback = record_deployment(self.backend, d.application_name, d.deployment_group_name,
                                     d.revision, str(d.deployment_config_name),
                                     f"Rollback of {d.deployment_id}", "codeDeployRollback")
        rollback.status = "Succeeded"
        rollback.start_time = rollback.complete_time = utcnow()
        rollback.deployment_overview["Succeeded"] = 1
        rollback.pitfalls_rollback = {  # type: ignore[attr-defined]
            "rollbackTriggeringDeploymentId": d.deployment_id}
        d.pitfalls_rollback = {  # type: ignore[attr-defined]
            "rollbackDeploymentId": rollback.deployment_id,
            "rollbackMessage": f"Automatic rollback triggered by {event}: the alias "
                               f"{r.alias} is back on version {r.current}."}


# --- entry points ---------------------------------------------------------------------------------

def record_deployment(backend: CodeDeployBackend, application: str, group: str,
                      revision: dict[str, Any], config: str | None, description: str | None,
                      creator: str) -> DeploymentInfo:
    """A deployment record through moto's backend (its checks of application and group)."""
    deployment_id = _original_create_deployment(backend, application, group, revision,
                                                 config, description)
    d = backend.deployments[deployment_id]
    d.creator = creator
    _revisions(backend).append({"applicationName": application, "revision": revision})
    return d


def start_deployment(account_id: str, region: str, application: str, group: str,
                     revision: dict[str, Any], *, config: str | None = None,
                     description: str | None = None, creator: str = "user",
                     auto_rollback: dict[str, Any] | None = None) -> str:
    """Create a deployment and run it in the background; its id."""
    backend = codedeploy_backends[account_id][region]
    d = record_deployment(backend, application, group, revision, config, description, creator)
    if auto_rollback is not None:
        d.auto_rollback_configuration = auto_rollback
    try:
        function, alias, current, target, hooks = parse_appspec(revision)
    except DeploymentFailed as failure:
        d.status, d.complete_time = "Failed", utcnow()
        d.pitfalls_error = {"code": failure.code, "message": str(failure)}  # type: ignore[attr-defined]
        return d.deployment_id
    release = Release(d, function, alias, current, target, hooks)
    _releases(backend)[d.deployment_id] = release
    threading.Thread(target=Runner(backend, release).run, name=f"deployment {d.deployment_id}",
                     daemon=True).start()
    return d.deployment_id


def wait_deployment(account_id: str, region: str, deployment_id: str,
                    timeout: float | None = None) -> DeploymentInfo:
    """The deployment once it has finished (or when `timeout` real seconds have passed)."""
    backend = codedeploy_backends[account_id][region]
    release = _releases(backend).get(deployment_id)
    if release is not None:
        release.done.wait(timeout)
    return backend.deployments[deployment_id]


# --- the API --------------------------------------------------------------------------------------

_original_create_deployment: Any = CodeDeployBackend.create_deployment
_original_deployment_info: Any = codedeploy_responses._deployment_info


@replaces("moto.codedeploy.responses:CodeDeployResponse.create_deployment",
          "71cbfa0c9b610beedb7c5ad081785be2d6ac4e222841f1b903e2f13c1a4f2266")
def api_create_deployment(self: Any) -> Any:
    """CreateDeployment runs the deployment: traffic shifts, hooks, alarms, rollback (moto
    records a deployment that stays Created)."""
    from moto.core.responses import ActionResult

    deployment_id = start_deployment(
        self.current_account, self.region, self._get_param("applicationName"),
        self._get_param("deploymentGroupName"), self._get_param("revision"),
        config=self._get_param("deploymentConfigName"),
        description=self._get_param("description"),
        auto_rollback=self._get_param("autoRollbackConfiguration"))
    return ActionResult({"deploymentId": deployment_id})


@adds("moto.codedeploy.responses:CodeDeployResponse.put_lifecycle_event_hook_execution_status")
def api_put_lifecycle_event_hook_execution_status(self: Any) -> Any:
    """PutLifecycleEventHookExecutionStatus: a hook answers the deployment waiting for it
    (added)."""
    from moto.codedeploy.exceptions import DeploymentDoesNotExistException
    from moto.core.responses import ActionResult

    backend = codedeploy_backends[self.current_account][self.region]
    deployment_id = self._get_param("deploymentId")
    release = _releases(backend).get(deployment_id)
    execution_id = self._get_param("lifecycleEventHookExecutionId")
    status = self._get_param("status")
    if release is None:
        raise DeploymentDoesNotExistException(f"Deployment {deployment_id} does not exist")
    if execution_id not in release.hook_ids:
        from moto.core.exceptions import JsonRESTError

        raise JsonRESTError("LifecycleEventAlreadyCompletedException" if release.done.is_set()
                            else "InvalidLifecycleEventHookExecutionIdException",
                            f"lifecycle event hook execution {execution_id} is not pending")
    if status not in ("Succeeded", "Failed"):
        from moto.core.exceptions import JsonRESTError

        raise JsonRESTError("InvalidLifecycleEventHookExecutionStatusException",
                            f"status {status} cannot be reported (Succeeded or Failed)")
    release.answers.setdefault(execution_id, status)
    return ActionResult({"lifecycleEventHookExecutionId": execution_id})


@adds("moto.codedeploy.responses:CodeDeployResponse.stop_deployment")
def api_stop_deployment(self: Any) -> Any:
    """StopDeployment (added)."""
    from moto.core.responses import ActionResult

    backend = codedeploy_backends[self.current_account][self.region]
    release = _releases(backend).get(self._get_param("deploymentId"))
    if release is None or release.done.is_set():
        return ActionResult({"status": "Succeeded",
                             "statusMessage": "The deployment is not in progress."})
    release.stop_requested.set()
    return ActionResult({"status": "Pending", "statusMessage": "Stopping the deployment."})


@adds("moto.codedeploy.responses:CodeDeployResponse.get_application_revision")
def api_get_application_revision(self: Any) -> Any:
    """GetApplicationRevision (added): the course's pre-traffic hook reads the AppSpec, and so
    the version to test, from it."""
    from moto.core.exceptions import JsonRESTError
    from moto.core.responses import ActionResult

    backend = codedeploy_backends[self.current_account][self.region]
    application = self._get_param("applicationName")
    wanted = self._get_param("revision") or {}
    sha = (wanted.get("appSpecContent") or wanted.get("string") or {}).get("sha256")
    content = (wanted.get("appSpecContent") or wanted.get("string") or {}).get("content")
    for stored in reversed(_revisions(backend)):
        rev = stored["revision"]
        body = rev.get("appSpecContent") or rev.get("string") or {}
        if stored["applicationName"] == application and (
                (content and body.get("content") == content)
                or (sha and _sha(body.get("content", "")) == sha)):
            return ActionResult({"applicationName": application, "revision": rev,
                                 "revisionInfo": {"description": "", "registerTime": utcnow()}})
    raise JsonRESTError("RevisionDoesNotExistException", "The revision does not exist")


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


@replaces("moto.codedeploy.responses:_deployment_info",
          "f0e2e4a2127d314324c696955f1f6c396a32396010a9974b188af5ca97ba60de")
def deployment_info(deployment: DeploymentInfo) -> dict[str, Any]:
    """GetDeployment answers errorInformation and rollbackInfo (moto leaves them empty)."""
    info = _original_deployment_info(deployment)
    info["errorInformation"] = getattr(deployment, "pitfalls_error", None) or {}
    info["rollbackInfo"] = getattr(deployment, "pitfalls_rollback", None) or {}
    if not info.get("completeTime"):
        info.pop("completeTime", None)
    revision = deployment.revision or {}
    body = revision.get("appSpecContent")
    if body and body.get("content") and "sha256" not in body:
        body["sha256"] = _sha(body["content"])
    return info
