"""Lambda functions that run here: Invoke runs the handler on this machine's Node.

    invoke(account_id, region, function, qualifier, payload) -> Invocation

is the internal entry point (CodeDeploy's hooks and the pipeline's Lambda action call it; the
Invoke API goes through `api_invoke`). A function runs with the local Node for its runtime's
major version (nodejs24.x: the course's pinned Node 24); a runtime this machine lacks is refused
with a message that says so. The code comes from the function's package (its S3 asset or inline
ZipFile, both zips to moto), unpacked once per version into a warm worker process
(`bootstrap.mjs`) that serves one invocation at a time; a version gets a second worker
only while the first is busy. Its environment is the sandbox's (`sandbox.child_env`): the local
AWS's endpoint and fake credentials, nothing of the host's, plus the variables Lambda defines.

Each invocation writes START / END / REPORT and the handler's output to the function's log group
(LoggingConfig.LogGroup or /aws/lambda/<name>), and Invocations, Errors, Throttles and Duration
to CloudWatch (namespace AWS/Lambda) for the dimensions AWS documents
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html): FunctionName; FunctionName
and Resource (function:qualifier) when invoked through a version or alias; with ExecutedVersion
as well when invoked through an alias. An alias with a RoutingConfig picks a version by its
weights. A function's Timeout runs in real time (it bounds the handler's real work).
"""

from __future__ import annotations

import base64
import io
import json
import os
import queue
import random
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends
from moto.cloudwatch.models import cloudwatch_backends

from pitfalls._env import ROOT, node_executable
from pitfalls.emulator.cwlogs import LogWriter
from pitfalls.emulator.moto_patch import replaces
from pitfalls.emulator.nodejs import node_major
from pitfalls.emulator.sandbox import child_env

BOOTSTRAP = Path(__file__).with_name("bootstrap.mjs")
IDLE_WORKERS = 2  # kept per function version; more are started only while these are busy


class RuntimeUnavailable(LambdaClientError):
    code = 502

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRuntimeException", message)


class Throttled(LambdaClientError):
    code = 429

    def __init__(self, function: str) -> None:
        super().__init__("TooManyRequestsException",
                         f"Rate Exceeded. (function {function}: reserved concurrency reached)")


class BadPayload(LambdaClientError):
    code = 400

    def __init__(self) -> None:
        super().__init__("InvalidRequestContentException",
                         "Could not parse request body into json")


@dataclass
class Invocation:
    """What an invocation gave: the payload and, for a function error, its kind."""

    payload: bytes
    executed_version: str
    request_id: str
    function_error: str | None = None  # "Unhandled" when the handler failed
    duration_ms: float = 0.0
    logs: str = ""

    @property
    def result(self) -> Any:
        return json.loads(self.payload or b"null")


def runtime_check(runtime: str | None) -> None:
    """Refuse a runtime this machine cannot run, saying which one it has."""
    have = node_major()
    if runtime == f"nodejs{have}.x" and node_executable():
        return
    raise RuntimeUnavailable(
        f"The runtime {runtime} cannot run on the local AWS: this machine runs Node.js "
        f"functions on its pinned Node {have or '(none)'} (runtime nodejs{have}.x) only")


# --- workers --------------------------------------------------------------------------------------

@dataclass
class Worker:
    """A warm Node process for one function version, and the directory it runs in."""

    key: tuple[str, ...]
    root: Path
    proc: subprocess.Popen[bytes]
    answers: queue.Queue[dict[str, Any] | None]
    stream: LogWriter
    cold: bool = True
    init_ms: float = 0.0
    stderr: list[str] = field(default_factory=list)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


_lock = threading.Lock()
_idle: dict[tuple[str, ...], list[Worker]] = {}
_busy: dict[str, int] = {}  # in-flight invocations per function name (reserved concurrency)


def _worker_key(fn: LambdaFunction) -> tuple[str, ...]:
    env = json.dumps(fn.environment_vars or {}, sort_keys=True)
    return (fn.function_arn, str(fn.version), fn.code_sha_256, str(fn.handler),
            str(fn.memory_size), env, log_group(fn))


def log_group(fn: LambdaFunction) -> str:
    config = getattr(fn, "logging_config", None) or {}
    return str(config.get("LogGroup") or f"/aws/lambda/{fn.function_name}")


def _start_worker(fn: LambdaFunction, key: tuple[str, ...]) -> Worker:
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="pitfalls-lambda-"))
    task = root / "task"
    task.mkdir()
    try:
        with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as z:
            z.extractall(task)
    except zipfile.BadZipFile:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeUnavailable(f"the code of {fn.function_name} is not a zip file") from None
    # The runtime's own modules (the AWS SDK v3 the nodejs24.x runtime ships): found by require()
    # and import() alike, after the function's own node_modules.
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    home = root / "tmp"
    home.mkdir()
    version = str(fn.version)
    today = datetime.now(UTC).strftime("%Y/%m/%d")
    stream_name = f"{today}/[{version}]{uuid.uuid4().hex}"
    region, account = fn.region, fn.account_id
    env = {str(k): str(v) for k, v in (fn.environment_vars or {}).items()}
    env.update(child_env(home, {
        "_HANDLER": str(fn.handler), "LAMBDA_TASK_ROOT": str(task),
        "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent), "AWS_EXECUTION_ENV":
            f"AWS_Lambda_{fn.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name, "AWS_LAMBDA_FUNCTION_VERSION": version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group(fn), "AWS_LAMBDA_LOG_STREAM_NAME": stream_name,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "TZ": ":UTC", "LANG": "en_US.UTF-8",
        "NODE_PATH": str(ROOT / "node_modules"),
    }))
    read_fd, write_fd = os.pipe()
    env["PITFALLS_RESULT_FD"] = str(write_fd)
    node = node_executable()
    assert node is not None
    proc = subprocess.Popen([node, str(BOOTSTRAP)], env=env, cwd=task, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            pass_fds=(write_fd,), start_new_session=True)
    os.close(write_fd)
    worker = Worker(key, root, proc, queue.Queue(),
                    LogWriter(account, region, log_group(fn), stream_name))

    def read_answers() -> None:
        with os.fdopen(read_fd, "rb") as answers:
            for line in answers:
                worker.answers.put(json.loads(line))
        worker.answers.put(None)  # the process ended

    def read_output() -> None:  # what the runtime prints outside an invocation (init errors)
        assert proc.stdout is not None
        for raw in proc.stdout:
            text = raw.decode(errors="replace").rstrip("\n")
            worker.stderr.append(text)
            worker.stream.write(text)

    threading.Thread(target=read_answers, daemon=True).start()
    threading.Thread(target=read_output, daemon=True).start()
    worker.init_ms = (time.monotonic() - started) * 1000
    return worker


def _take(fn: LambdaFunction) -> Worker:
    key = _worker_key(fn)
    with _lock:
        # a changed $LATEST (code or configuration) leaves its old workers behind: end them
        for old in [k for k in _idle if k[:2] == key[:2] and k != key]:
            for w in _idle.pop(old):
                w.close()
        while _idle.get(key):
            worker = _idle[key].pop()
            if worker.alive():
                return worker
            worker.close()
    return _start_worker(fn, key)


def _give_back(worker: Worker) -> None:
    with _lock:
        idle = _idle.setdefault(worker.key, [])
        if worker.alive() and len(idle) < IDLE_WORKERS:
            idle.append(worker)
            return
    worker.close()


def shutdown() -> None:
    """End every warm worker (the server is stopping)."""
    with _lock:
        workers = [w for ws in _idle.values() for w in ws]
        _idle.clear()
    for w in workers:
        w.close()


# --- one invocation -------------------------------------------------------------------------------

def _run(fn: LambdaFunction, event: Any, invoked_arn: str, request_id: str) -> Invocation:
    worker = _take(fn)
    timeout = float(fn.timeout or 3)
    started = time.monotonic()
    request = {"id": request_id, "requestId": request_id, "event": event,
               "invokedFunctionArn": invoked_arn,
               "deadline": int(time.time() * 1000 + timeout * 1000)}
    version = str(fn.version)
    worker.stream.write(f"START RequestId: {request_id} Version: {version}")
    assert worker.proc.stdin is not None
    try:
        worker.proc.stdin.write((json.dumps(request) + "\n").encode())
        worker.proc.stdin.flush()
        answer = worker.answers.get(timeout=timeout)
    except queue.Empty:
        answer = {"ok": False, "timeout": True}
    except (BrokenPipeError, OSError):
        answer = None
    duration = (time.monotonic() - started) * 1000
    if answer is None:  # the runtime process died
        time.sleep(0.05)  # let its last words reach the log
        tail = "; ".join(worker.stderr[-3:])
        answer = {"ok": False, "payload": json.dumps({
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit "
                            f"status {worker.proc.poll()}" + (f" ({tail})" if tail else "")})}
        worker.close()
    elif answer.get("timeout"):
        worker.close()  # as Lambda does: the timed-out environment is not reused
        answer["payload"] = json.dumps({
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                            f"{timeout:.2f} seconds"})
    else:
        if answer.get("logs"):
            worker.stream.write(*answer["logs"].rstrip("\n").split("\n"))
    worker.stream.write(f"END RequestId: {request_id}")
    init = f"\tInit Duration: {worker.init_ms:.2f} ms" if worker.cold else ""
    worker.stream.write(
        f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: "
        f"{int(duration) + 1} ms\tMemory Size: {fn.memory_size} MB{init}")
    worker.cold = False
    if worker.alive() and not answer.get("timeout"):
        _give_back(worker)
    return Invocation(payload=str(answer.get("payload", "null")).encode(),
                      executed_version=version, request_id=request_id,
                      function_error=None if answer.get("ok") else "Unhandled",
                      duration_ms=duration, logs=str(answer.get("logs", "")))


def _metrics(fn: LambdaFunction, qualifier: str | None, alias: bool,
             values: dict[str, float]) -> None:
    name = fn.function_name
    sets = [[{"Name": "FunctionName", "Value": name}]]
    if qualifier:
        resource = [{"Name": "FunctionName", "Value": name},
                    {"Name": "Resource", "Value": f"{name}:{qualifier}"}]
        sets.append(resource)
        if alias:
            sets.append(resource + [{"Name": "ExecutedVersion", "Value": str(fn.version)}])
    data = [{"MetricName": metric, "Value": value, "Dimensions": dims,
             "Unit": "Milliseconds" if metric == "Duration" else "Count"}
            for metric, value in values.items() for dims in sets]
    cloudwatch_backends[fn.account_id][fn.region].put_metric_data("AWS/Lambda", data)


def resolve(backend: LambdaBackend, function: str,
            qualifier: str | None) -> tuple[LambdaFunction, str | None, bool]:
    """The version an invocation runs (an alias's routing weights decide between two), the
    qualifier it was invoked with, and whether that was an alias."""
    name = function
    if function.startswith("arn:"):
        parts = function.split(":")
        name = parts[6]
        qualifier = parts[7] if len(parts) > 7 else qualifier
    elif ":" in function:
        name, qualifier = function.split(":", 1)
    latest = backend.get_function(name)  # ResourceNotFoundException when it does not exist
    if qualifier in (None, "$LATEST"):
        return latest, qualifier, False
    aliases = backend._lambdas._get_function_aliases(name)
    alias = aliases.get(str(qualifier))
    if alias is None:
        return backend.get_function(name, qualifier), qualifier, False
    version = str(alias.function_version)
    routing: dict[str, Any] = cast(dict[str, Any], alias.routing_config or {})
    weights = routing.get("AdditionalVersionWeights") or {}
    pick = random.random()
    for other, weight in weights.items():
        if pick < float(weight):
            version = str(other)
            break
        pick -= float(weight)
    return backend.get_function(name, version), qualifier, True


def invoke(account_id: str, region: str, function: str, qualifier: str | None,
           payload: bytes | str | None) -> Invocation:
    """Run one invocation (RequestResponse) and account for it: logs, metrics."""
    backend = lambda_backends[account_id][region]
    fn, qualifier, alias = resolve(backend, function, qualifier)
    runtime_check(fn.run_time)
    reserved = fn.reserved_concurrency
    name = fn.function_name
    with _lock:
        if reserved is not None and _busy.get(name, 0) >= int(reserved):
            _metrics(fn, qualifier, alias, {"Throttles": 1})
            raise Throttled(name)
        _busy[name] = _busy.get(name, 0) + 1
    try:
        text = payload.decode() if isinstance(payload, bytes) else (payload or "")
        try:
            event = json.loads(text) if text.strip() else {}
        except ValueError:
            raise BadPayload() from None
        invoked = fn.function_arn if qualifier is None else (
            f"arn:aws:lambda:{region}:{account_id}:function:{name}:{qualifier}")
        done = _run(fn, event, invoked, str(uuid.uuid4()))
    finally:
        with _lock:
            _busy[name] -= 1
    _metrics(fn, qualifier, alias, {"Invocations": 1, "Errors": 1 if done.function_error else 0,
                                    "Duration": round(done.duration_ms, 2)})
    return done


def invoke_later(account_id: str, region: str, function: str, qualifier: str | None,
                 payload: bytes | str | None) -> None:
    """An asynchronous invocation (InvocationType Event, or a CodeDeploy hook): its outcome
    shows in the function's logs and metrics only."""
    def run() -> None:
        try:
            invoke(account_id, region, function, qualifier, payload)
        except LambdaClientError:
            pass  # throttled or not runnable: Lambda would retry, then drop it

    threading.Thread(target=run, daemon=True).start()


@replaces("moto.awslambda.models:LambdaBackend.invoke",
          "708fb4c92029f2dc29aa3f3f1826f7552de95ad6bfd1fa3fda9eda0f97ce4d61")
def api_invoke(self: LambdaBackend, function_name: str, qualifier: str | None, body: Any,
               headers: Any, response_headers: Any) -> bytes:
    """Invoke runs the handler on the local Node (moto runs it in Docker, which the course has
    not, or answers a canned "Simple Lambda happy path OK")."""
    kind = headers.get("X-Amz-Invocation-Type", "RequestResponse")
    if kind == "DryRun":
        fn, _, _ = resolve(self, function_name, qualifier)
        runtime_check(fn.run_time)
        return b""
    if kind == "Event":
        resolve(self, function_name, qualifier)  # an unknown function fails now, as in Lambda
        invoke_later(self.account_id, self.region_name, function_name, qualifier, body)
        return b""
    done = invoke(self.account_id, self.region_name, function_name, qualifier, body)
    response_headers["x-amz-executed-version"] = done.executed_version
    if done.function_error:
        response_headers["x-amz-function-error"] = done.function_error
    if str(headers.get("X-Amz-Log-Type", "")).lower() == "tail":
        response_headers["x-amz-log-result"] = base64.b64encode(
            done.logs.encode()[-4096:]).decode()
    return done.payload


@replaces("moto.awslambda.responses:LambdaResponse.invoke",
          "8f68f0bf023a3eb476e13ab0f688e6fbde8462c194532e8ce67421dbeb91c44b")
def api_invoke_response(self: Any) -> tuple[int, dict[str, str], bytes]:
    """Invoke honours its Qualifier: moto read a parameter the SDKs never send (`qualifier`;
    the query string has `Qualifier`), so a version or alias invocation ran $LATEST."""
    from urllib.parse import unquote

    headers: dict[str, str] = {"content-type": "application/json"}
    function_name = unquote(self.path.rsplit("/", 2)[-2])
    qualifier = self.querystring.get("Qualifier", [None])[0] or self._get_param("qualifier")
    payload = self.backend.invoke(function_name, qualifier, self.body, self.headers, headers)
    kind = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
    status = {"Event": 202, "DryRun": 204}.get(kind, 200)
    return status, headers, payload
