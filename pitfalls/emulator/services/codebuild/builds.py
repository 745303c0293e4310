"""CodeBuild builds that run here: StartBuild (and CodePipeline's CodeBuild action) runs the
project's buildspec on this machine, in a background thread of the server.

The internal entry point, for the pipeline's CodeBuild action:

    build = start_build(account_id, region, project_name,
                        source_zips={"SourceArtifact": (bucket, key)},   # CODEPIPELINE sources
                        artifact_locations={"BuildOutput": (bucket, key)},
                        env_overrides=[{"name": "X", "value": "1", "type": "PLAINTEXT"}],
                        initiator="codepipeline/my-pipeline", encryption_key=key_arn)
    build.wait(timeout_s)            # True once it has finished
    build.to_api()                   # the Build object of BatchGetBuilds
    build.status, build.exported     # "SUCCEEDED" | "FAILED" | ...; exported variables

`source_zips`: input artifacts as zip objects; the first is the primary source
(CODEBUILD_SRC_DIR), the others secondary (CODEBUILD_SRC_DIR_<name>). `artifact_locations`:
where each output artifact's zip goes; the first is the primary artifact, the others are the
buildspec's `secondary-artifacts` of the same name. `encryption_key`: the KMS key the artifact
objects are encrypted with (default: the project's EncryptionKey).

Phases, statuses and transitions follow
https://docs.aws.amazon.com/codebuild/latest/userguide/view-build-details-phases.html: an
INSTALL or PRE_BUILD failure ends the build (FINALIZING), a BUILD failure still runs POST_BUILD,
UPLOAD_ARTIFACTS is attempted after a BUILD failure. A phase's `on-failure: ABORT` ends the build
there, `CONTINUE` goes on to the next phase. Commands run one at a time in bash; variables and the
working directory carry over from one command to the next, as in buildspec version 0.2.

Isolation (`sandbox`): a fresh workspace per build, deleted afterwards; an environment built
from nothing, with HOME in the workspace, the emulator's endpoint and fake credentials. The
project's TimeoutInMinutes runs on the emulator's clock (`clock`): at PITFALLS_EMULATOR_CLOCK=60
a 15-minute timeout is 15 real seconds, but never less than PITFALLS_EMULATOR_BUILD_GRACE_SECONDS
(default 120) nor more than the 15 real minutes: the commands' work is real, and a machine busy
with other work must not time out a build that AWS would let finish.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from moto.codebuild.models import CodeBuild, CodeBuildBackend, codebuild_backends
from moto.core.utils import utcnow
from moto.s3.models import s3_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.ssm.models import ssm_backends

from pitfalls.emulator import clock
from pitfalls.emulator.cwlogs import LogWriter
from pitfalls.emulator.moto_patch import replaces
from pitfalls.emulator.sandbox import child_env, workspace
from pitfalls.emulator.services.codebuild import reports
from pitfalls.emulator.services.codebuild.buildspec import Buildspec, BuildspecError, Files, Phase, parse
from pitfalls.emulator.settings import BUILD_GRACE_SECONDS

PHASE_NAMES = {"install": "INSTALL", "pre_build": "PRE_BUILD", "build": "BUILD",
               "post_build": "POST_BUILD"}
LINUX_TYPES = {"LINUX_CONTAINER", "LINUX_LAMBDA_CONTAINER"}
ARM_TYPES = {"ARM_CONTAINER", "ARM_LAMBDA_CONTAINER"}
MANAGED_IMAGE = "aws/codebuild/"

# Runs each command: restore the variables and directory the previous command left, run it,
# save them again (bash's `set -a` exports every assignment, so plain `X=1` carries over too).
COMMAND_SCRIPT = """set -a
if [ -f "$PITFALLS_STATE" ]; then . "$PITFALLS_STATE"; fi
cd "$(cat "$PITFALLS_CWD")" 2>/dev/null
export CODEBUILD_BUILD_SUCCEEDING={succeeding}
trap 'pitfalls_rc=$?; export -p > "$PITFALLS_STATE.new" && mv "$PITFALLS_STATE.new" \
"$PITFALLS_STATE"; pwd > "$PITFALLS_CWD"; exit $pitfalls_rc' EXIT
{command}
"""


class PhaseFailure(Exception):
    """A phase failed; `code` and the message are its context, as BatchGetBuilds shows it."""

    def __init__(self, code: str, message: str, status: str = "FAILED") -> None:
        super().__init__(message)
        self.code, self.status = code, status


def builds(backend: CodeBuildBackend) -> dict[str, Build]:
    """The builds of a backend by id, kept on moto's CodeBuild backend."""
    if not hasattr(backend, "pitfalls_builds"):
        backend.pitfalls_builds = {}  # type: ignore[attr-defined]
    return backend.pitfalls_builds  # type: ignore[attr-defined]


def _stamp() -> str:
    return datetime.now().strftime("%Y/%m/%d %H:%M:%S.%f")


@dataclass
class Source:
    """Where a build's source comes from: a zip object, a prefix of objects, or nothing."""

    name: str
    bucket: str = ""
    key: str = ""


class Build:
    """One build: its record (what BatchGetBuilds answers) and the thread that runs it."""

    def __init__(self, backend: CodeBuildBackend, project: CodeBuild, *,
                 sources: list[Source], artifact_locations: dict[str, tuple[str, str]],
                 env_overrides: list[dict[str, str]], initiator: str,
                 source_version: str | None, encryption_key: str | None,
                 buildspec_override: str | None, timeout_minutes: int | None) -> None:
        meta = project.project_metadata
        self.backend, self.project, self.meta = backend, project, meta
        self.project_name = str(meta["name"])
        self.uuid = str(uuid.uuid4())
        self.id = f"{self.project_name}:{self.uuid}"
        self.arn = (f"arn:aws:codebuild:{backend.region_name}:{backend.account_id}:build/"
                    f"{self.id}")
        history = backend.build_history.setdefault(self.project_name, [])
        self.number = len(history) + 1
        history.append(self.id)
        self.sources, self.artifact_locations = sources, artifact_locations
        self.env_overrides, self.initiator = env_overrides, initiator
        self.source_version = source_version
        self.encryption_key = encryption_key or meta.get("encryptionKey")
        self.buildspec_override = buildspec_override
        self.timeout_minutes = int(timeout_minutes or meta.get("timeoutInMinutes") or 60)
        self.status = "IN_PROGRESS"
        self.current_phase = "SUBMITTED"
        self.phases: list[dict[str, Any]] = []
        self.start_time: datetime = utcnow()
        self.end_time: datetime | None = None
        self.exported: dict[str, str] = {}
        self.report_arns: list[str] = []
        self.artifacts: dict[str, Any] = {}
        self.secondary_artifacts: list[dict[str, Any]] = []
        self.succeeding = True
        self.done = threading.Event()
        self._stop = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._deadline = 0.0
        self.log: LogWriter | None = None
        self.submitted: dict[str, Any] = {}
        logs = ((meta.get("logsConfig") or {}).get("cloudWatchLogs") or {})
        self.log_group = logs.get("groupName") or f"/aws/codebuild/{self.project_name}"
        self.log_stream = (f"{logs['streamName']}/{self.uuid}" if logs.get("streamName")
                           else self.uuid)
        self.logs_enabled = logs.get("status", "ENABLED") == "ENABLED"

    # --- the record ---------------------------------------------------------------------------

    def to_api(self) -> dict[str, Any]:
        meta = self.meta
        region, account = self.backend.region_name, self.backend.account_id
        logs: dict[str, Any] = {"cloudWatchLogs": {"status": "ENABLED" if self.logs_enabled
                                                   else "DISABLED"},
                                "s3Logs": {"status": "DISABLED"}}
        if self.logs_enabled:
            logs.update(
                groupName=self.log_group, streamName=self.log_stream,
                deepLink=(f"https://console.aws.amazon.com/cloudwatch/home?region={region}"
                          f"#logEvent:group={self.log_group};stream={self.log_stream}"),
                cloudWatchLogsArn=(f"arn:aws:logs:{region}:{account}:log-group:"
                                   f"{self.log_group}:log-stream:{self.log_stream}"))
            logs["cloudWatchLogs"].update(groupName=self.log_group)
        out: dict[str, Any] = {
            "id": self.id, "arn": self.arn, "buildNumber": self.number,
            "startTime": self.start_time, "currentPhase": self.current_phase,
            "buildStatus": self.status, "projectName": self.project_name,
            "phases": [dict(p) for p in self.phases], "source": meta.get("source"),
            "secondarySources": meta.get("secondarySources", []),
            "artifacts": self.artifacts, "secondaryArtifacts": self.secondary_artifacts,
            "cache": meta.get("cache"), "environment": meta.get("environment"),
            "serviceRole": meta.get("serviceRole"), "logs": logs,
            "timeoutInMinutes": self.timeout_minutes,
            "queuedTimeoutInMinutes": meta.get("queuedTimeoutInMinutes", 480),
            "buildComplete": self.done.is_set(), "initiator": self.initiator,
            "encryptionKey": self.encryption_key, "reportArns": list(self.report_arns),
            "exportedEnvironmentVariables": [{"name": k, "value": v}
                                             for k, v in self.exported.items()],
        }
        if self.source_version:
            out["sourceVersion"] = out["resolvedSourceVersion"] = self.source_version
        if self.end_time is not None:
            out["endTime"] = self.end_time
        return out

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)

    def stop(self) -> None:
        """StopBuild: end the running command; the build ends STOPPED."""
        self._stop.set()
        self._kill()

    # --- phases -------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        if self.log is not None:
            self.log.write(f"[Container] {_stamp()} {text}")

    def _enter(self, phase: str) -> None:
        self.phases.append({"phaseType": phase, "startTime": utcnow()})
        self.current_phase = phase
        if phase not in ("SUBMITTED", "QUEUED", "COMPLETED"):
            self.say(f"Entering phase {phase}")

    def _leave(self, status: str, failure: PhaseFailure | None = None) -> None:
        phase = self.phases[-1]
        end = utcnow()
        phase.update(phaseStatus=status, endTime=end,
                     durationInSeconds=int((end - phase["startTime"]).total_seconds()))
        if failure is not None:
            phase["contexts"] = [{"statusCode": failure.code, "message": str(failure)}]
            self.say(f"Phase complete: {phase['phaseType']} State: {status}")
            self.say(f"Phase context status code: {failure.code} Message: {failure}")
        elif phase["phaseType"] not in ("SUBMITTED", "QUEUED"):
            self.say(f"Phase complete: {phase['phaseType']} State: {status}")

    def _phase(self, name: str, work: Any) -> PhaseFailure | None:
        """Run `work()` as phase `name`; the failure, if it failed."""
        self._enter(name)
        try:
            work()
        except PhaseFailure as failure:
            self.succeeding = False
            if failure.status == "FAILED" and self._stop.is_set():
                failure = PhaseFailure("BUILD_STOPPED", "the build was stopped", "STOPPED")
            self._leave(failure.status, failure)
            return failure
        self._leave("SUCCEEDED")
        return None

    def _finish(self, status: str) -> None:
        self._enter("FINALIZING")
        self._leave("SUCCEEDED")
        self._enter("COMPLETED")
        self.end_time = utcnow()
        self.status = status
        self.done.set()

    # --- running ------------------------------------------------------------------------------

    def start(self) -> None:
        threading.Thread(target=self._run_safely, name=f"build {self.id}", daemon=True).start()

    def _run_safely(self) -> None:
        try:
            if self.logs_enabled:
                self.log = LogWriter(self.backend.account_id, self.backend.region_name,
                                     self.log_group, self.log_stream)
            self._run()
        except Exception as exc:  # a bug of ours must not leave the build IN_PROGRESS
            if not self.done.is_set():
                self.say(f"The local AWS could not run the build: {exc!r}")
                self._finish("FAULT")

    def _run(self) -> None:
        for queued in ("SUBMITTED", "QUEUED"):
            self._enter(queued)
            self._leave("SUCCEEDED")
        configured = self.timeout_minutes * 60
        self._deadline = time.monotonic() + min(
            configured, max(clock.real(configured), BUILD_GRACE_SECONDS))
        if self._phase("PROVISIONING", self._check_environment):
            self._finish("FAILED")
            return
        with workspace("build") as ws:
            src, home = ws / "src", ws / "home"
            src.mkdir()
            home.mkdir()
            state: dict[str, Any] = {}

            def download() -> None:
                self._download(src, ws)
                spec = self._buildspec(src)
                state["spec"] = spec
                state["env"] = self._environment(spec, src, home, ws)

            failed = self._phase("DOWNLOAD_SOURCE", download)
            if failed:
                self._finish(failed.status)
                return
            spec, env = state["spec"], state["env"]
            status = self._phases(spec, env, ws)
            if status in ("SUCCEEDED", "FAILED") and not self._skip_upload:
                failed = self._phase("UPLOAD_ARTIFACTS",
                                     lambda: self._upload(spec, src, env))
                if failed:
                    status = failed.status
            self._export(spec, ws)
            self._finish(status)

    _skip_upload = False

    def _phases(self, spec: Buildspec, env: dict[str, str], ws: Path) -> str:
        """Run install .. post_build; the build's status so far."""
        status = "SUCCEEDED"
        by_name = {p.name: p for p in spec.phases}
        for name, phase_type in PHASE_NAMES.items():
            phase = by_name.get(name) or Phase(name=name, commands=[])
            failed = self._phase(phase_type, lambda p=phase: self._run_phase(p, env, ws))
            if failed is None:
                continue
            if failed.status in ("TIMED_OUT", "STOPPED"):
                self._skip_upload = True
                return failed.status
            status = "FAILED"
            if phase.on_failure == "CONTINUE":
                continue
            if phase.on_failure == "ABORT" or name in ("install", "pre_build"):
                self._skip_upload = True
                return status
            # BUILD fails: POST_BUILD still runs (CODEBUILD_BUILD_SUCCEEDING=0), then upload
        return status

    def _check_environment(self) -> None:
        environment = self.meta.get("environment") or {}
        kind = environment.get("type", "LINUX_CONTAINER")
        image = str(environment.get("image", ""))
        machine = platform.machine().lower()
        if kind.startswith("WINDOWS") or "windows" in image.lower():
            raise PhaseFailure("CLIENT_ERROR", f"Windows build images ({kind}, {image}) cannot "
                               "run on the local AWS: it runs builds on this Linux machine")
        if kind in ARM_TYPES and machine not in ("aarch64", "arm64"):
            raise PhaseFailure("CLIENT_ERROR", f"{kind} cannot run on the local AWS: this "
                               f"machine is {machine}")
        if kind not in LINUX_TYPES | ARM_TYPES:
            raise PhaseFailure("CLIENT_ERROR", f"environment type {kind} cannot run on the "
                               "local AWS (it runs Linux container builds only)")
        if environment.get("privilegedMode"):
            raise PhaseFailure("CLIENT_ERROR", "privileged mode (Docker builds) cannot run on "
                               "the local AWS: it runs build commands on this machine, with no "
                               "Docker daemon")
        if not image.startswith(MANAGED_IMAGE):
            raise PhaseFailure("CLIENT_ERROR", f"custom image {image} cannot run on the local "
                               "AWS: this machine stands in for CodeBuild's managed Linux "
                               f"images ({MANAGED_IMAGE}...) only")

    # --- source, buildspec, environment ------------------------------------------------------

    def _object(self, bucket: str, key: str) -> bytes:
        s3 = s3_backends[self.backend.account_id]["aws"]
        try:
            obj = s3.get_object(bucket, key)
        except Exception as exc:
            raise PhaseFailure("CLIENT_ERROR", f"cannot read s3://{bucket}/{key}: "
                               f"{getattr(exc, 'message', None) or exc}") from None
        if obj is None:
            raise PhaseFailure("CLIENT_ERROR", f"s3://{bucket}/{key} does not exist")
        return bytes(obj.value)

    def _unzip(self, data: bytes, where: Path, what: str) -> None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in z.infolist():
                    target = (where / info.filename).resolve()
                    if not str(target).startswith(str(where.resolve())):
                        raise PhaseFailure("CLIENT_ERROR", f"{what}: unsafe path "
                                           f"{info.filename} in the zip")
                z.extractall(where)
        except zipfile.BadZipFile:
            raise PhaseFailure("CLIENT_ERROR", f"{what} is not a zip file") from None

    def _download(self, src: Path, ws: Path) -> None:
        source = self.meta.get("source") or {}
        kind = source.get("type", "NO_SOURCE")
        if kind == "S3" and not self.sources:
            bucket, _, key = str(source.get("location", "")).partition("/")
            self.sources = [Source("", bucket, key)]
        elif kind not in ("S3", "NO_SOURCE", "CODEPIPELINE"):
            raise PhaseFailure("CLIENT_ERROR", f"source type {kind} cannot be fetched by the "
                               "local AWS (S3, CODEPIPELINE and NO_SOURCE can)")
        elif kind == "CODEPIPELINE" and not self.sources:
            raise PhaseFailure("CLIENT_ERROR", "a CODEPIPELINE source builds only when "
                               "CodePipeline starts it (no input artifact given)")
        for i, source_ in enumerate(self.sources):
            where = src if i == 0 else ws / f"src_{source_.name}"
            where.mkdir(exist_ok=True)
            what = f"source {source_.name or 's3://' + source_.bucket + '/' + source_.key}"
            if source_.key.endswith("/") or not source_.key:
                self._copy_prefix(source_.bucket, source_.key, where)
            else:
                self._unzip(self._object(source_.bucket, source_.key), where, what)
            self.say(f"Downloaded {what} to {'the source directory' if i == 0 else where.name}")

    def _copy_prefix(self, bucket: str, prefix: str, where: Path) -> None:
        s3 = s3_backends[self.backend.account_id]["aws"]
        try:
            keys = [k for k in s3.get_bucket(bucket).keys if k.startswith(prefix)]
        except Exception:
            raise PhaseFailure("CLIENT_ERROR", f"bucket {bucket} does not exist") from None
        for key in keys:
            target = where / key[len(prefix):]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self._object(bucket, key))

    def _buildspec(self, src: Path) -> Buildspec:
        text = self.buildspec_override or str((self.meta.get("source") or {}).get(
            "buildspec") or "")
        if "\n" not in text.strip() and not text.strip().startswith("version"):
            name = text.strip() or "buildspec.yml"
            path = src / name
            if not path.is_file():
                raise PhaseFailure("YAML_FILE_ERROR", f"YAML_FILE_ERROR: stat {name}: no such "
                                   "file or directory (no buildspec in the source)")
            text = path.read_text(errors="replace")
        try:
            return parse(text)
        except BuildspecError as exc:
            raise PhaseFailure("YAML_FILE_ERROR", f"YAML_FILE_ERROR: {exc}") from None

    def _parameter(self, name: str) -> str:
        ssm = ssm_backends[self.backend.account_id][self.backend.region_name]
        found = ssm.get_parameter(name)
        if found is None:
            raise PhaseFailure("CLIENT_ERROR", f"Decrypted Variables Error: parameter does not "
                               f"exist: {name}")
        return str(found.value)

    def _secret(self, reference: str) -> str:
        """secret-id:json-key:version-stage:version-id (the id may itself be an ARN)."""
        parts = reference.split(":")
        if reference.startswith("arn:"):
            secret_id, rest = ":".join(parts[:7]), parts[7:]
        else:
            secret_id, rest = parts[0], parts[1:]
        json_key, stage, version = (rest + ["", "", ""])[:3]
        sm = secretsmanager_backends[self.backend.account_id][self.backend.region_name]
        try:
            value = sm.get_secret_value(secret_id, version or None, stage or None)  # type: ignore[arg-type]
        except Exception:
            raise PhaseFailure("CLIENT_ERROR", f"Secrets Manager Error: secret {secret_id} "
                               "does not exist") from None
        text = str(value.get("SecretString") or "")
        if not json_key:
            return text
        try:
            return str(json.loads(text)[json_key])
        except (ValueError, KeyError, TypeError):
            raise PhaseFailure("CLIENT_ERROR", f"Secrets Manager Error: secret {secret_id} has "
                               f"no JSON key {json_key}") from None

    def _typed(self, variables: Iterable[dict[str, str]]) -> dict[str, str]:
        out = {}
        for var in variables:
            kind, value = var.get("type", "PLAINTEXT"), str(var.get("value", ""))
            out[var["name"]] = (self._parameter(value) if kind == "PARAMETER_STORE"
                                else self._secret(value) if kind == "SECRETS_MANAGER" else value)
        return out

    def _environment(self, spec: Buildspec, src: Path, home: Path, ws: Path) -> dict[str, str]:
        """CodeBuild's variables, then the buildspec's, the project's, StartBuild's overrides
        (later ones win, as
        https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-env-vars.html says)."""
        region, account = self.backend.region_name, self.backend.account_id
        project = self.project_name
        environment = self.meta.get("environment") or {}
        builtin = {
            "CODEBUILD_BUILD_ARN": self.arn, "CODEBUILD_BUILD_ID": self.id,
            "CODEBUILD_BUILD_IMAGE": str(environment.get("image", "")),
            "CODEBUILD_BUILD_NUMBER": str(self.number), "CODEBUILD_BUILD_SUCCEEDING": "1",
            "CODEBUILD_INITIATOR": self.initiator,
            "CODEBUILD_KMS_KEY_ID": str(self.encryption_key or ""),
            "CODEBUILD_LOG_PATH": self.log_stream,
            "CODEBUILD_PROJECT_ARN": f"arn:aws:codebuild:{region}:{account}:project/{project}",
            "CODEBUILD_SRC_DIR": str(src),
            "CODEBUILD_START_TIME": str(int(self.start_time.timestamp() * 1000)),
            "CODEBUILD_CI": "true",
        }
        if self.source_version:
            builtin["CODEBUILD_SOURCE_VERSION"] = self.source_version
            builtin["CODEBUILD_RESOLVED_SOURCE_VERSION"] = self.source_version
        for source in self.sources[1:]:
            builtin[f"CODEBUILD_SRC_DIR_{source.name}"] = str(ws / f"src_{source.name}")
        env = child_env(home, builtin)
        env.update(spec.variables)
        env.update({k: self._parameter(v) for k, v in spec.parameter_store.items()})
        env.update({k: self._secret(v) for k, v in spec.secrets_manager.items()})
        env.update(self._typed(environment.get("environmentVariables") or []))
        env.update(self._typed(self.env_overrides))
        env["PITFALLS_STATE"] = str(ws / "state.sh")
        env["PITFALLS_CWD"] = str(ws / "cwd")
        (ws / "cwd").write_text(str(src))
        return env

    # --- commands -----------------------------------------------------------------------------

    def _kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _command(self, command: str, env: dict[str, str]) -> None:
        if self._stop.is_set():
            raise PhaseFailure("BUILD_STOPPED", "the build was stopped", "STOPPED")
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise self._timed_out()
        self.say(f"Running command {command}")
        script = COMMAND_SCRIPT.format(succeeding=int(self.succeeding), command=command)
        proc = subprocess.Popen(["bash", "--noprofile", "--norc", "-c", script], env=env,
                                cwd=env["CODEBUILD_SRC_DIR"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self._proc = proc
        reader = threading.Thread(target=self._pump, args=(proc,), daemon=True)
        reader.start()
        try:
            code = proc.wait(timeout=max(left, 0.01))
        except subprocess.TimeoutExpired:
            self._kill()
            proc.wait()
            reader.join(timeout=5)
            raise self._timed_out() from None
        finally:
            self._proc = None
        reader.join(timeout=5)
        if self._stop.is_set():
            raise PhaseFailure("BUILD_STOPPED", "the build was stopped", "STOPPED")
        if code != 0:
            raise PhaseFailure("COMMAND_EXECUTION_ERROR", f"Error while executing command: "
                               f"{command}. Reason: exit status {code}")

    def _timed_out(self) -> PhaseFailure:
        return PhaseFailure("BUILD_TIMED_OUT", f"Build timed out after {self.timeout_minutes} "
                            "minutes (TimeoutInMinutes, on the emulator's clock)", "TIMED_OUT")

    def _pump(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            if self.log is not None:
                self.log.write(raw.decode(errors="replace").rstrip("\n"))

    def _run_phase(self, phase: Phase, env: dict[str, str], ws: Path) -> None:
        failure: PhaseFailure | None = None
        try:
            if phase.runtime_versions:
                self._runtimes(phase.runtime_versions)
            for command in phase.commands:
                self._command(command, env)
        except PhaseFailure as exc:
            failure = exc
            if exc.status != "FAILED":
                raise
            self.succeeding = False
        for command in phase.finally_:
            try:
                self._command(command, env)
            except PhaseFailure as exc:
                if exc.status != "FAILED":
                    raise
                failure = failure or exc
                self.succeeding = False
                break
        if failure is not None:
            raise failure

    def _runtimes(self, wanted: dict[str, str]) -> None:
        """runtime-versions: what this machine has (the pinned Node, this Python)."""
        from pitfalls.emulator.nodejs import node_major

        have = {"nodejs": str(node_major()),
                "python": f"{sys.version_info.major}.{sys.version_info.minor}"}
        for runtime, version in wanted.items():
            if runtime not in have:
                raise PhaseFailure("YAML_FILE_ERROR", f"Unknown runtime named '{runtime}'. "
                                   f"The local AWS has: {', '.join(sorted(have))}")
            ok = version in (have[runtime], "latest", f"{have[runtime]}.x") or (
                runtime == "nodejs" and version.split(".")[0] == have[runtime])
            if not ok:
                raise PhaseFailure("YAML_FILE_ERROR", f"Unknown runtime version named "
                                   f"'{version}' of {runtime}. This machine has the following "
                                   f"versions: {have[runtime]}")
            self.say(f"Running on {runtime} {have[runtime]} (runtime-versions {runtime}: "
                     f"{version})")

    # --- artifacts, reports, exported variables ---------------------------------------------

    def _files(self, src: Path, spec: Files, env: dict[str, str]) -> list[tuple[Path, str]]:
        """(file, name in the artifact) of every file `spec` selects."""
        root = src.resolve()
        bases = [src]
        if spec.base_directory:
            bases = sorted(p for p in src.glob(spec.base_directory) if p.is_dir())
        found: dict[str, Path] = {}
        for base in bases:
            for pattern in spec.files:
                if pattern.startswith("/") or ".." in Path(pattern).parts:
                    raise PhaseFailure("CLIENT_ERROR", f"artifact path {pattern} leaves the "
                                       "source directory")
                for match in sorted(base.glob(pattern)):
                    if not match.resolve().is_relative_to(root):
                        continue
                    for path in ([match] if match.is_file() else
                                 sorted(p for p in match.rglob("*") if p.is_file())):
                        rel = path.relative_to(base).as_posix()
                        if any(Path(rel).match(x) for x in spec.exclude):
                            continue
                        found[path.name if spec.discard_paths else rel] = path
        return [(path, name) for name, path in sorted(found.items())]

    @staticmethod
    def _zip(files: list[tuple[Path, str]]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for path, name in files:
                z.write(path, name)
        return out.getvalue()

    def _put(self, bucket: str, key: str, data: bytes) -> None:
        s3 = s3_backends[self.backend.account_id]["aws"]
        try:
            s3.put_object(bucket, key, data, encryption="aws:kms" if self.encryption_key
                          else None, kms_key_id=self.encryption_key)
        except Exception as exc:
            raise PhaseFailure("CLIENT_ERROR", f"cannot write s3://{bucket}/{key}: "
                               f"{getattr(exc, 'message', None) or exc}") from None

    def _upload(self, spec: Buildspec, src: Path, env: dict[str, str]) -> None:
        self._reports(spec, src, env)
        project = self.meta.get("artifacts") or {}
        kind = project.get("type", "NO_ARTIFACTS")
        locations = list(self.artifact_locations.items())
        if kind == "CODEPIPELINE" and not locations:
            kind = "NO_ARTIFACTS"  # a pipeline action with no output artifact asks for none
        if kind != "NO_ARTIFACTS":
            if spec.artifacts is None:
                raise PhaseFailure("CLIENT_ERROR", "no artifact definitions found: the project "
                                   "has an output artifact and the buildspec has no artifacts")
            self.artifacts = self._upload_one(spec.artifacts, src, env, project,
                                              locations[0] if locations else None)
        for ident, files in spec.secondary_artifacts.items():
            target = dict(locations[1:]).get(ident)
            declared = [a for a in self.meta.get("secondaryArtifacts") or []
                        if a.get("artifactIdentifier") == ident]
            if target is None and not declared:
                raise PhaseFailure("CLIENT_ERROR", f"secondary artifact {ident} is not an output "
                                   "of this build")
            entry = self._upload_one(files, src, env, declared[0] if declared else
                                     {"type": "CODEPIPELINE"},
                                     (ident, target) if target else None)
            entry["artifactIdentifier"] = ident
            self.secondary_artifacts.append(entry)

    def _upload_one(self, spec: Files, src: Path, env: dict[str, str], project: dict[str, Any],
                    location: tuple[str, tuple[str, str]] | None) -> dict[str, Any]:
        files = self._files(src, spec, env)
        if not files:
            raise PhaseFailure("CLIENT_ERROR", "no matching artifact paths found")
        if location is not None:
            bucket, key = location[1]
            zipped = True
        elif project.get("type") == "S3":
            name = project.get("name") or ""
            if spec.name and project.get("overrideArtifactName"):
                name = spec.name
            parts = [project.get("path") or "",
                     self.uuid if project.get("namespaceType") == "BUILD_ID" else "", name]
            bucket = str(project.get("location", ""))
            key = "/".join(p.strip("/") for p in parts if p)
            zipped = project.get("packaging") == "ZIP"
        else:
            raise PhaseFailure("CLIENT_ERROR", "CodePipeline gave no location for the output "
                               "artifact")
        if zipped:
            data = self._zip(files)
            self._put(bucket, key, data)
            digest = {"sha256sum": hashlib.sha256(data).hexdigest(),
                      "md5sum": hashlib.md5(data).hexdigest()}  # noqa: S324 (a checksum)
        else:
            for path, name in files:
                self._put(bucket, f"{key}/{name}" if key else name, path.read_bytes())
            digest = {}
        self.say(f"Uploaded {len(files)} file(s) to s3://{bucket}/{key}")
        return {"location": f"arn:aws:s3:::{bucket}/{key}",
                "encryptionDisabled": bool(project.get("encryptionDisabled", False)), **digest}

    def _reports(self, spec: Buildspec, src: Path, env: dict[str, str]) -> None:
        """Each report group's files become one report; a bad file is logged, as CodeBuild
        reports a report's problem without failing the build."""
        for group, files in spec.reports.items():
            try:
                arn = reports.group_arn(self.backend, self.project_name, group)
                paths = self._files(src, files, env)
                if not paths:
                    raise ValueError(f"no report files found for {group}")
                cases = [c for path, name in paths
                         for c in reports.parse_junit(path, name, "")]
            except (LookupError, ValueError, PhaseFailure) as exc:
                self.say(f"Report {group} not created: {exc}")
                continue
            report = reports.add_report(self.backend, arn, self.arn, self.uuid, cases,
                                        self.start_time)
            self.report_arns.append(report)
            self.say(f"Report {arn.rsplit('/', 1)[-1]}: {len(cases)} test case(s)")

    def _export(self, spec: Buildspec, ws: Path) -> None:
        """exported-variables: their values when the build's phases ended."""
        if not spec.exported_variables:
            return
        values: dict[str, str] = {}
        state = ws / "state.sh"
        if state.exists():
            dump = subprocess.run(
                ["bash", "--noprofile", "--norc", "-c",
                 '. "$1"; for n in "${@:2}"; do printf "%s\\0%s\\0" "$n" "${!n-}"; done',
                 "bash", str(state), *spec.exported_variables],
                env={"PATH": "/usr/bin:/bin"}, capture_output=True, timeout=30)
            items = dump.stdout.decode(errors="replace").split("\0")
            values = dict(zip(items[0::2], items[1::2], strict=False))
        self.exported = {name: values.get(name, "") for name in spec.exported_variables}


# --- the entry point and the API ------------------------------------------------------------------

def start_build(account_id: str, region: str, project_name: str, *,
                source_zips: dict[str, tuple[str, str]] | None = None,
                artifact_locations: dict[str, tuple[str, str]] | None = None,
                env_overrides: list[dict[str, str]] | None = None,
                initiator: str = "user", source_version: str | None = None,
                encryption_key: str | None = None, buildspec_override: str | None = None,
                timeout_minutes: int | None = None) -> Build:
    """Start a build of `project_name` (see the module docstring); it runs in the background."""
    backend = codebuild_backends[account_id][region]
    project = backend.codebuild_projects.get(project_name)
    if project is None:
        from moto.codebuild.exceptions import ResourceNotFoundException

        raise ResourceNotFoundException(f"Project cannot be found: arn:aws:codebuild:{region}:"
                                        f"{account_id}:project/{project_name}")
    build = Build(backend, project,
                  sources=[Source(n, b, k) for n, (b, k) in (source_zips or {}).items()],
                  artifact_locations=dict(artifact_locations or {}),
                  env_overrides=list(env_overrides or []), initiator=initiator,
                  source_version=source_version, encryption_key=encryption_key,
                  buildspec_override=buildspec_override, timeout_minutes=timeout_minutes)
    builds(backend)[build.id] = build
    build.submitted = build.to_api()  # what StartBuild answers: the build as it was submitted
    build.start()
    return build


def find_build(account_id: str, region: str, build_id: str) -> Build | None:
    return builds(codebuild_backends[account_id][region]).get(build_id)


@replaces("moto.codebuild.responses:CodeBuildResponse.start_build",
          "64605611d794cd6c3ee383df5cc8cfbee0853b0b50fff1810fa32efffed2aade")
def api_start_build(self: Any) -> Any:
    """StartBuild runs the buildspec here (moto records a build and reports it SUCCEEDED the
    first time it is read, running nothing)."""
    from moto.core.responses import ActionResult

    timeout = self._get_param("timeoutInMinutesOverride")
    build = start_build(
        self.current_account, self.region, self._get_param("projectName"),
        env_overrides=self._get_param("environmentVariablesOverride"),
        source_version=self._get_param("sourceVersion"),
        buildspec_override=self._get_param("buildspecOverride"),
        timeout_minutes=int(timeout) if timeout else None)
    return ActionResult({"build": build.submitted})


@replaces("moto.codebuild.responses:CodeBuildResponse.batch_get_builds",
          "046241374f0f9038e28aaf87b08e5774ca1ffef668d33fbdeee3811e276ccbcd")
def api_batch_get_builds(self: Any) -> Any:
    """BatchGetBuilds answers what the builds really did (status, phases, logs, artifacts)."""
    from moto.core.responses import ActionResult

    stored = builds(codebuild_backends[self.current_account][self.region])
    ids = self._get_param("ids") or []
    return ActionResult({"builds": [stored[i].to_api() for i in ids if i in stored],
                         "buildsNotFound": [i for i in ids if i not in stored]})


@replaces("moto.codebuild.responses:CodeBuildResponse.stop_build",
          "a37ab21f9121a88bc7cbf40ae9f1000cd014eee1e27b97dfefc0bff2b0e22742")
def api_stop_build(self: Any) -> Any:
    """StopBuild ends the running command; the build ends STOPPED."""
    from moto.codebuild.exceptions import ResourceNotFoundException
    from moto.core.responses import ActionResult

    build = find_build(self.current_account, self.region, self._get_param("id"))
    if build is None:
        raise ResourceNotFoundException(f"Build {self._get_param('id')} does not exist")
    build.stop()
    build.wait(10)
    return ActionResult({"build": build.to_api()})


@replaces("moto.codebuild.models:CodeBuildBackend.list_builds_for_project",
          "9b36b502fd166c9169def1e0f54961c54dcc966626e680311b4b2f87a543cbd1")
def list_builds_for_project(self: CodeBuildBackend, project_name: str) -> list[str]:
    """ListBuildsForProject: newest first, CodeBuild's default sort order (moto: oldest)."""
    return list(reversed(self.build_history.get(project_name, [])))


@replaces("moto.codebuild.models:CodeBuildBackend.list_builds",
          "1ef1eed4d5338df1fd724ce9400e13545301fb0e2e4eaa991d758056de4a3e62")
def list_builds(self: CodeBuildBackend) -> list[str]:
    """ListBuilds: newest first, CodeBuild's default sort order (moto: oldest)."""
    stored = builds(self)
    return sorted(stored, key=lambda i: stored[i].start_time, reverse=True)
