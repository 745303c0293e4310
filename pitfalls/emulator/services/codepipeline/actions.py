"""The action providers the local AWS runs, each as its AWS action reference page describes.

- S3 source: https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3.html
- CodeBuild build and test: https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeBuild.html
- Lambda invoke: https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-Lambda.html
- CloudFormation deploy: https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CloudFormation.html
- Manual approval: https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals.html

A provider gets a `Context` (the action run, its resolved configuration, the artifact store) and
either returns (the action succeeded) or raises `ActionFailed` with the reason. The services it
drives are reached through their own APIs on this emulator (`Context.clients`), as CodePipeline
reaches them in AWS, except a build's pipeline artifacts, which only CodePipeline can hand to
CodeBuild (`pitfalls.emulator.services.codepipeline.compute`).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pitfalls.emulator.services.codepipeline.artifacts import (
    ArtifactError,
    ArtifactRef,
    read_file,
    zip_files,
)
from pitfalls.emulator.services.codepipeline.runs import ActionFailed, ActionRun, stamp
from pitfalls.emulator.settings import PIPELINE_ACTION_TIMEOUT_SECONDS

_clients: Any = None  # this emulator's own endpoint, made on first use


class Context:
    """What a provider works with."""

    def __init__(self, run: ActionRun) -> None:
        self.run = run
        self.execution = run.execution
        self.config: dict[str, Any] = run.resolved
        self.account_id, self.region = run.execution.account_id, run.execution.region
        self.store = run.execution.store
        self.deadline = time.monotonic() + PIPELINE_ACTION_TIMEOUT_SECONDS

    @property
    def clients(self) -> Any:
        """boto3 clients for this emulator's own endpoint."""
        import os

        from pitfalls.emulator.readback import Clients
        from pitfalls.emulator.settings import endpoint_for

        global _clients
        if _clients is None:
            _clients = Clients(endpoint_for(int(os.environ.get("MOTO_PORT", "5000"))),
                               read_timeout=PIPELINE_ACTION_TIMEOUT_SECONDS + 30)
        return _clients

    def left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def only(self, allowed: set[str], required: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        """Refuse configuration keys this provider does not know, and missing required ones."""
        unknown = sorted(set(self.config) - allowed)
        if unknown:
            raise ActionFailed(f"Configuration {', '.join(unknown)} of a "
                               f"{self.run.type_id['provider']} action is not supported by the "
                               "local AWS", "ConfigurationError")
        missing = sorted(k for k in required if not self.config.get(k))
        if missing:
            raise ActionFailed(f"The {self.run.type_id['provider']} action needs the "
                               f"configuration {', '.join(missing)}", "ConfigurationError")

    def output_names(self) -> list[str]:
        return [a["name"] for a in self.run.definition.get("outputArtifacts") or []]

    def input(self, name: str) -> ArtifactRef:
        for ref in self.run.inputs:
            if ref.name == name:
                return ref
        raise ActionFailed(f"{name} is not an input artifact of action {self.run.name}",
                           "ConfigurationError")

    def file(self, path: str) -> bytes:
        """`Artifact::path/in/zip` of an input artifact."""
        artifact, sep, inner = path.partition("::")
        if not sep:
            raise ActionFailed(f"{path} is not of the form ArtifactName::FileName",
                               "ConfigurationError")
        ref = self.input(artifact)
        return read_file(self.store.read(ref), artifact, inner)

    def put_output(self, name: str, data: bytes) -> ArtifactRef:
        ref = self.store.write(name, data)
        self.run.outputs.append(ref)
        return ref


PROVIDERS: dict[tuple[str, str, str], Callable[[Context], None]] = {}
PAGES: dict[tuple[str, str, str], str] = {}  # the AWS action reference each provider follows
GUIDE = "https://docs.aws.amazon.com/codepipeline/latest/userguide/"


def provider(*type_ids: tuple[str, str, str], page: str
             ) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    def register(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        for type_id in type_ids:
            PROVIDERS[type_id] = fn
            PAGES[type_id] = GUIDE + page
        return fn
    return register


def supported() -> str:
    return ", ".join(f"{o}/{c}/{p}" for c, o, p in sorted(PROVIDERS))


# --- S3 source ------------------------------------------------------------------------------------

@provider(("Source", "AWS", "S3"), page="action-reference-S3.html")
def s3_source(ctx: Context) -> None:
    """The object's current version (or the version an execution or rollback asks for) becomes
    the output artifact; VersionId and ETag are its variables."""
    from moto.s3.exceptions import MissingBucket

    ctx.only({"S3Bucket", "S3ObjectKey", "PollForSourceChanges", "AllowOverrideForS3ObjectKey"},
             {"S3Bucket", "S3ObjectKey"})
    bucket_name, key_name = ctx.config["S3Bucket"], ctx.config["S3ObjectKey"]
    s3 = ctx.store.s3
    try:
        bucket = s3.get_bucket(bucket_name)
    except MissingBucket:
        raise ActionFailed(f"The source bucket {bucket_name} does not exist") from None
    if not bucket.is_versioned:
        raise ActionFailed(f"The source bucket {bucket_name} does not have versioning enabled; "
                           "an S3 source action needs a versioned bucket", "ConfigurationError")
    version = ctx.execution.source_overrides.get(ctx.run.name)
    obj = s3.get_object(bucket_name, key_name, version_id=version)
    if obj is None:
        which = f" (version {version})" if version else ""
        raise ActionFailed(f"The object with key {key_name}{which} does not exist in bucket "
                           f"{bucket_name}")
    outputs = ctx.output_names()
    if len(outputs) != 1:
        raise ActionFailed("An S3 source action has exactly one output artifact",
                           "ConfigurationError")
    ctx.put_output(outputs[0], bytes(obj.value))
    etag = str(obj.etag).strip('"')
    ctx.run.variables = {"VersionId": str(obj.version_id), "ETag": etag}
    ctx.run.external_id = str(obj.version_id)
    summary = (obj.metadata or {}).get("x-amz-meta-codepipeline-artifact-revision-summary")
    ctx.run.summary = summary
    ctx.run.revision = {"actionName": ctx.run.name, "artifact": outputs[0],
                        "revisionId": str(obj.version_id), "revisionChangeIdentifier": etag,
                        "revisionSummary": summary, "created": stamp(obj.last_modified)}


# --- CodeBuild ------------------------------------------------------------------------------------

CODEBUILD_KEYS = {"ProjectName", "PrimarySource", "EnvironmentVariables", "BatchEnabled",
                  "CombineArtifacts"}


@provider(("Build", "AWS", "CodeBuild"), ("Test", "AWS", "CodeBuild"),
          page="action-reference-CodeBuild.html")
def codebuild(ctx: Context) -> None:
    """Start a build of the project with the input artifacts as its sources and wait for its
    final status; its exported variables become the action's variables."""
    from pitfalls.emulator.services.codepipeline import compute

    ctx.only(CODEBUILD_KEYS, {"ProjectName"})
    if str(ctx.config.get("BatchEnabled", "false")).lower() == "true":
        raise ActionFailed("Batch builds (BatchEnabled) are not run by the local AWS",
                           "ConfigurationError")
    try:
        env = json.loads(ctx.config.get("EnvironmentVariables") or "[]")
    except ValueError as exc:
        raise ActionFailed(f"EnvironmentVariables is not valid JSON: {exc}",
                           "ConfigurationError") from None
    inputs = list(ctx.run.inputs)
    primary = ctx.config.get("PrimarySource")
    if primary:
        inputs.sort(key=lambda r: r.name != primary)
        if not inputs or inputs[0].name != primary:
            raise ActionFailed(f"PrimarySource {primary} is not an input artifact",
                               "ConfigurationError")
    if not inputs:
        raise ActionFailed("A CodeBuild action needs at least one input artifact",
                           "ConfigurationError")
    outputs = {name: ctx.store.location(name) for name in ctx.output_names()}
    build = compute.start_build(
        ctx.account_id, ctx.region, str(ctx.config["ProjectName"]),
        source_zips={r.name: (r.bucket, r.key) for r in inputs},
        artifact_locations={n: (r.bucket, r.key) for n, r in outputs.items()},
        env_overrides=env, initiator=f"codepipeline/{ctx.execution.pipeline}",
        encryption_key=ctx.store.key_id)
    ctx.run.external_id = build.id
    ctx.run.external_url = (f"https://console.aws.amazon.com/codebuild/home?region={ctx.region}"
                            f"#/builds/{build.id}/view/new")
    if not build.wait(ctx.left()):
        build.stop()
        raise ActionFailed(f"Build {build.id} did not finish within "
                           f"{PIPELINE_ACTION_TIMEOUT_SECONDS:.0f} s; it was stopped")
    record = build.to_api()
    status = record.get("buildStatus")
    if status != "SUCCEEDED":
        raise ActionFailed(compute.failure_summary(record))
    for name, ref in outputs.items():
        if not ctx.store.exists(ref):
            raise ActionFailed(f"Build {build.id} succeeded but did not upload the output "
                               f"artifact {name}")
        ctx.run.outputs.append(ref)
    ctx.run.variables = {v["name"]: v["value"]
                         for v in record.get("exportedEnvironmentVariables") or []}


# --- Lambda invoke --------------------------------------------------------------------------------

@dataclass
class Job:
    """A job given to a Lambda function; it ends with PutJobSuccessResult / PutJobFailureResult
    (or with the invocation failing before either)."""

    id: str
    run: ActionRun
    answered: threading.Event = field(default_factory=threading.Event)
    failure: dict[str, Any] | None = None
    success: dict[str, Any] | None = None
    invocation_error: str | None = None


JOBS: dict[str, Job] = {}
_jobs_lock = threading.Lock()


def job_event(ctx: Context, job: Job, outputs: list[ArtifactRef],
              continuation: str | None) -> dict[str, Any]:
    """The event a Lambda invoke action gives its function (the action reference's example)."""
    from pitfalls.emulator.settings import FAKE_ACCESS_KEY, FAKE_SECRET_KEY

    data: dict[str, Any] = {
        "actionConfiguration": {"configuration": {k: v for k, v in ctx.config.items()
                                                  if k in ("FunctionName", "UserParameters")}},
        "inputArtifacts": [r.to_job() for r in ctx.run.inputs],
        "outputArtifacts": [r.to_job() for r in outputs],
        "artifactCredentials": {"accessKeyId": FAKE_ACCESS_KEY,
                                "secretAccessKey": FAKE_SECRET_KEY,
                                "sessionToken": "pitfalls-local-emulator-session"},
    }
    if ctx.store.key_id:
        data["encryptionKey"] = {"id": ctx.store.key_id, "type": "KMS"}
    if continuation:
        data["continuationToken"] = continuation
    return {"CodePipeline.job": {"id": job.id, "accountId": ctx.account_id, "data": data}}


def _invoke_once(ctx: Context, outputs: list[ArtifactRef], continuation: str | None) -> Job:
    """Invoke the function with a new job, in the background as CodePipeline does; an
    invocation that fails (the handler throws, the runtime is refused) ends the job at once."""
    from moto.awslambda.exceptions import LambdaClientError

    from pitfalls.emulator.cloudformation.errors import reason_of
    from pitfalls.emulator.services.awslambda import runtime

    job = Job(str(uuid.uuid4()), ctx.run)
    with _jobs_lock:
        JOBS[job.id] = job
    event = json.dumps(job_event(ctx, job, outputs, continuation)).encode()
    function = str(ctx.config["FunctionName"])

    def run() -> None:
        try:
            done = runtime.invoke(ctx.account_id, ctx.region, function, None, event)
        except LambdaClientError as exc:
            job.invocation_error = f"Lambda could not invoke {function}: {reason_of(exc)}"
        except Exception as exc:
            job.invocation_error = f"Lambda could not invoke {function}: {reason_of(exc)}"
        else:
            if done.function_error and not job.answered.is_set():
                job.invocation_error = (f"The function {function} failed "
                                        f"({done.function_error}): "
                                        f"{done.payload.decode(errors='replace')[:500]}")
        if job.invocation_error:
            job.answered.set()

    threading.Thread(target=run, daemon=True, name=f"pipeline-job-{job.id[:8]}").start()
    return job


@provider(("Invoke", "AWS", "Lambda"), page="action-reference-Lambda.html")
def lambda_invoke(ctx: Context) -> None:
    """Invoke the function (asynchronously, as CodePipeline does) with the job event, then wait
    for its PutJobSuccessResult (with a continuation token: invoke again) or PutJobFailureResult."""
    ctx.only({"FunctionName", "UserParameters"}, {"FunctionName"})
    continuation: str | None = None
    outputs = [ctx.store.location(n) for n in ctx.output_names()]
    while True:
        job = _invoke_once(ctx, outputs, continuation)
        ctx.run.external_id = job.id
        if not job.answered.wait(ctx.left()):
            raise ActionFailed(f"The function {ctx.config['FunctionName']} did not call "
                               "PutJobSuccessResult or PutJobFailureResult for job "
                               f"{job.id} within {PIPELINE_ACTION_TIMEOUT_SECONDS:.0f} s")
        if job.success is None and job.failure is None:
            raise ActionFailed(job.invocation_error or "The function ended without a result")
        if job.failure is not None:
            details = job.failure
            raise ActionFailed(str(details.get("message") or "The function reported a failure"),
                               str(details.get("type") or "JobFailed"))
        result = job.success or {}
        details = result.get("executionDetails") or {}
        if details.get("summary"):
            ctx.run.summary = str(details["summary"])
        if details.get("externalExecutionId"):
            ctx.run.external_id = str(details["externalExecutionId"])
        ctx.run.variables.update(result.get("outputVariables") or {})
        continuation = result.get("continuationToken")
        if not continuation:
            break
    for ref in outputs:  # the function uploads its outputs to the locations the event gave it
        if not ctx.store.exists(ref):
            raise ActionFailed(f"The function did not upload output artifact {ref.name} to "
                               f"s3://{ref.bucket}/{ref.key}")
        ctx.run.outputs.append(ref)


def complete_job(job_id: str, success: dict[str, Any] | None,
                 failure: dict[str, Any] | None) -> None:
    """PutJobSuccessResult / PutJobFailureResult."""
    from moto.codepipeline.exceptions import InvalidStructureException

    with _jobs_lock:
        job = JOBS.get(job_id)
    if job is None:
        raise JobNotFound(job_id)
    if job.answered.is_set() or job.run.status != "InProgress":
        raise InvalidStructureException(f"Job {job_id} is not in progress (InvalidJobState)")
    job.success, job.failure = success, failure
    job.answered.set()


class JobNotFound(Exception):
    pass


# --- manual approval ------------------------------------------------------------------------------

APPROVALS: dict[str, ActionRun] = {}  # token -> the approval action waiting for it
_approvals_lock = threading.Lock()


@provider(("Approval", "AWS", "Manual"), page="approvals-action-add.html")
def manual_approval(ctx: Context) -> None:
    """Wait for PutApprovalResult with this action's token (GetPipelineState shows it)."""
    ctx.only({"CustomData", "ExternalEntityLink"})
    token = str(uuid.uuid4())
    result: dict[str, Any] = {}
    answered = threading.Event()
    ctx.run.token = token
    with _approvals_lock:
        APPROVALS[token] = ctx.run
    ctx.run.approval = (answered, result)  # type: ignore[attr-defined]
    if not answered.wait(ctx.left()):
        raise ActionFailed(f"No approval within {PIPELINE_ACTION_TIMEOUT_SECONDS:.0f} s")
    summary = str(result.get("summary") or "")
    if result.get("status") == "Rejected":
        raise ActionFailed(f"Rejected: {summary}" if summary else "Rejected")
    ctx.run.summary = summary or "Approved"


def answer_approval(pipeline: str, stage: str, action: str, token: str,
                    result: dict[str, Any]) -> None:
    from moto.codepipeline.exceptions import InvalidStructureException

    with _approvals_lock:
        run = APPROVALS.get(token)
    if (run is None or run.execution.pipeline != pipeline or run.stage != stage
            or run.name != action or run.status != "InProgress"):
        raise InvalidStructureException("The approval request with that token is not in "
                                        "progress (InvalidApprovalToken)")
    answered, stored = run.approval  # type: ignore[attr-defined]
    stored.update(result)
    answered.set()


# --- CloudFormation -------------------------------------------------------------------------------

CLOUDFORMATION_KEYS = {"ActionMode", "StackName", "TemplatePath", "TemplateConfiguration",
                       "ParameterOverrides", "RoleArn", "Capabilities", "ChangeSetName",
                       "OutputFileName"}
MODES = {"CREATE_UPDATE", "REPLACE_ON_FAILURE", "DELETE_ONLY", "CHANGE_SET_REPLACE",
         "CHANGE_SET_EXECUTE"}
FAILED_STATES = {"ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED",
                 "ROLLBACK_COMPLETE"}
NAMED_IAM = {"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName",
             "AWS::IAM::Group": "GroupName", "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
             "AWS::IAM::InstanceProfile": "InstanceProfileName"}


def _override_value(ctx: Context, value: Any) -> Any:
    """A parameter override: a string, Fn::GetArtifactAtt or Fn::GetParam
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/continuous-delivery-codepipeline-parameter-override-functions.html)."""
    if isinstance(value, dict) and len(value) == 1:
        (fn, args), = value.items()
        if fn == "Fn::GetArtifactAtt" and isinstance(args, list) and len(args) == 2:
            ref = ctx.input(str(args[0]))
            attrs = {"BucketName": ref.bucket, "ObjectKey": ref.key,
                     "URL": f"https://s3.{ctx.region}.amazonaws.com/{ref.bucket}/{ref.key}"}
            if args[1] not in attrs:
                raise ActionFailed(f"Fn::GetArtifactAtt: artifacts have no attribute {args[1]} "
                                   f"(they have {', '.join(attrs)})", "ConfigurationError")
            return attrs[args[1]]
        if fn == "Fn::GetParam" and isinstance(args, list) and len(args) == 3:
            text = ctx.file(f"{args[0]}::{args[1]}")
            try:
                values = json.loads(text)
            except ValueError:
                raise ActionFailed(f"Fn::GetParam: {args[1]} in {args[0]} is not JSON",
                                   "ConfigurationError") from None
            if args[2] not in values:
                raise ActionFailed(f"Fn::GetParam: {args[1]} in {args[0]} has no key {args[2]}",
                                   "ConfigurationError")
            return values[args[2]]
        raise ActionFailed(f"Parameter override function {fn} is not one of Fn::GetArtifactAtt "
                           "and Fn::GetParam (with their arguments)", "ConfigurationError")
    if not isinstance(value, (str, int, float, bool)):
        raise ActionFailed(f"Parameter override value {value!r} is not a string",
                           "ConfigurationError")
    return value


def _template(ctx: Context) -> tuple[str, dict[str, Any]]:
    from moto.cloudformation.models import Stack

    text = ctx.file(str(ctx.config["TemplatePath"])).decode("utf-8", errors="replace")
    try:
        parsed = Stack.parse_template(text)
    except Exception as exc:
        raise ActionFailed(f"Template format error: {ctx.config['TemplatePath']} does not parse "
                           f"({str(exc).splitlines()[0][:300]})", "JobFailed") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("Resources"), dict):
        raise ActionFailed(f"Template format error: {ctx.config['TemplatePath']} has no "
                           "Resources section", "JobFailed")
    return text, parsed


def _parameters(ctx: Context, template: dict[str, Any]) -> tuple[list[dict[str, str]],
                                                                 list[dict[str, str]]]:
    """(Parameters, Tags) from TemplateConfiguration and ParameterOverrides."""
    values: dict[str, Any] = {}
    tags: dict[str, str] = {}
    if ctx.config.get("TemplateConfiguration"):
        try:
            conf = json.loads(ctx.file(str(ctx.config["TemplateConfiguration"])))
        except ValueError:
            raise ActionFailed(f"{ctx.config['TemplateConfiguration']} is not JSON",
                               "ConfigurationError") from None
        unknown = sorted(set(conf) - {"Parameters", "Tags"})  # StackPolicy: not emulated
        if unknown:
            raise ActionFailed(f"Template configuration keys {unknown} are not supported by the "
                               "local AWS", "ConfigurationError")
        values.update(conf.get("Parameters") or {})
        tags.update(conf.get("Tags") or {})
    if ctx.config.get("ParameterOverrides"):
        try:
            overrides = json.loads(str(ctx.config["ParameterOverrides"]))
        except ValueError:
            raise ActionFailed("ParameterOverrides is not a JSON object",
                               "ConfigurationError") from None
        for key, value in overrides.items():
            values[key] = _override_value(ctx, value)
    declared = template.get("Parameters") or {}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise ActionFailed(f"Parameters {unknown} do not exist in the template",
                           "ConfigurationError")
    return ([{"ParameterKey": k, "ParameterValue": str(v)} for k, v in values.items()],
            [{"Key": k, "Value": str(v)} for k, v in tags.items()])


def _capabilities(ctx: Context, template: dict[str, Any]) -> list[str]:
    given = [c for c in str(ctx.config.get("Capabilities") or "").split(",") if c]
    needed = None
    for body in template["Resources"].values():
        rtype = body.get("Type", "") if isinstance(body, dict) else ""
        if rtype.startswith("AWS::IAM::"):
            needed = needed or "CAPABILITY_IAM"
            if NAMED_IAM.get(rtype) in (body.get("Properties") or {}):
                needed = "CAPABILITY_NAMED_IAM"
    if needed and needed not in given and not (needed == "CAPABILITY_IAM"
                                               and "CAPABILITY_NAMED_IAM" in given):
        raise ActionFailed(f"Requires capabilities : [{needed}] (InsufficientCapabilities)",
                           "JobFailed")
    return given


def _stack(cf: Any, name: str) -> dict[str, Any] | None:
    try:
        return dict(cf.describe_stacks(StackName=name)["Stacks"][0])
    except cf.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def _failure_reason(cf: Any, stack: dict[str, Any]) -> str:
    events = cf.describe_stack_events(StackName=stack["StackId"])["StackEvents"]
    reasons = [e["ResourceStatusReason"] for e in events
               if e.get("ResourceStatusReason") and e["ResourceStatus"].endswith("FAILED")]
    why = f": {reasons[0]}" if reasons else ""
    return f"Stack {stack['StackName']} is in state {stack['StackStatus']}{why}"


@provider(("Deploy", "AWS", "CloudFormation"), page="action-reference-CloudFormation.html")
def cloudformation(ctx: Context) -> None:
    """Create, update, delete a stack or replace and execute a change set, through this
    emulator's CloudFormation (the strict engine)."""
    ctx.only(CLOUDFORMATION_KEYS, {"ActionMode", "StackName"})
    mode, name = str(ctx.config["ActionMode"]), str(ctx.config["StackName"])
    if mode not in MODES:
        raise ActionFailed(f"ActionMode {mode} is not one of {sorted(MODES)}",
                           "ConfigurationError")
    if mode != "CHANGE_SET_EXECUTE" and not ctx.config.get("RoleArn"):
        raise ActionFailed(f"ActionMode {mode} needs RoleArn", "ConfigurationError")
    if ctx.config.get("RoleArn"):
        role = str(ctx.config["RoleArn"])
        from moto.iam.models import iam_backends

        try:
            iam_backends[ctx.account_id]["aws"].get_role_by_arn(role)
        except Exception:
            raise ActionFailed(f"Role {role} is invalid or cannot be assumed",
                               "ConfigurationError") from None
    cf = ctx.clients.cloudformation
    try:
        if mode == "DELETE_ONLY":
            _delete(cf, name)
        elif mode == "CHANGE_SET_EXECUTE":
            _execute_change_set(ctx, cf, name)
        else:
            if not ctx.config.get("TemplatePath"):
                raise ActionFailed(f"ActionMode {mode} needs TemplatePath", "ConfigurationError")
            text, template = _template(ctx)
            parameters, tags = _parameters(ctx, template)
            capabilities = _capabilities(ctx, template)
            common = {"StackName": name, "TemplateBody": text, "Parameters": parameters,
                      "Capabilities": capabilities, "RoleARN": ctx.config["RoleArn"], "Tags": tags}
            if mode == "CHANGE_SET_REPLACE":
                _replace_change_set(ctx, cf, common)
                return
            _create_or_update(ctx, cf, common, replace_failed=mode == "REPLACE_ON_FAILURE")
    except cf.exceptions.ClientError as exc:
        raise ActionFailed(exc.response["Error"].get("Message") or str(exc)) from None
    if mode != "DELETE_ONLY":
        _outputs(ctx, cf, name)


def _delete(cf: Any, name: str) -> None:
    stack = _stack(cf, name)
    if stack is None:
        return  # as in AWS: deleting a stack that does not exist succeeds
    cf.delete_stack(StackName=name)
    after = _stack(cf, stack["StackId"])
    if after and after["StackStatus"] != "DELETE_COMPLETE":
        raise ActionFailed(_failure_reason(cf, after))


def _create_or_update(ctx: Context, cf: Any, common: dict[str, Any], replace_failed: bool) -> None:
    name = common["StackName"]
    stack = _stack(cf, name)
    if stack and replace_failed and stack["StackStatus"] in FAILED_STATES:
        _delete(cf, name)
        stack = None
    if stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS":
        cf.create_stack(**common)
        expected = "CREATE_COMPLETE"
    else:
        try:
            cf.update_stack(**common)
        except cf.exceptions.ClientError as exc:
            if "No updates are to be performed" in str(exc):
                ctx.run.summary = "No updates are to be performed"
                return
            raise
        expected = "UPDATE_COMPLETE"
    after = _stack(cf, name)
    ctx.run.external_id = after["StackId"] if after else None
    if not after or after["StackStatus"] != expected:
        raise ActionFailed(_failure_reason(cf, after) if after else f"Stack {name} is gone")
    ctx.run.summary = ctx.run.summary or f"Stack {name}: {expected}"


def _replace_change_set(ctx: Context, cf: Any, common: dict[str, Any]) -> None:
    change_set = ctx.config.get("ChangeSetName")
    if not change_set:
        raise ActionFailed("ActionMode CHANGE_SET_REPLACE needs ChangeSetName",
                           "ConfigurationError")
    stack = _stack(cf, common["StackName"])
    if stack:
        cf.delete_change_set(StackName=common["StackName"], ChangeSetName=change_set)
    kind = "UPDATE" if stack and stack["StackStatus"] != "REVIEW_IN_PROGRESS" else "CREATE"
    made = cf.create_change_set(ChangeSetName=change_set, ChangeSetType=kind, **common)
    ctx.run.external_id = made["Id"]
    ctx.run.summary = f"Change set {change_set} created for stack {common['StackName']}"


def _execute_change_set(ctx: Context, cf: Any, name: str) -> None:
    change_set = ctx.config.get("ChangeSetName")
    if not change_set:
        raise ActionFailed("ActionMode CHANGE_SET_EXECUTE needs ChangeSetName",
                           "ConfigurationError")
    before = _stack(cf, name)
    kind = "CREATE" if before is None or before["StackStatus"] == "REVIEW_IN_PROGRESS" \
        else "UPDATE"
    cf.execute_change_set(StackName=name, ChangeSetName=change_set)
    after = _stack(cf, name)
    expected = f"{kind}_COMPLETE"
    ctx.run.external_id = after["StackId"] if after else None
    if not after or after["StackStatus"] != expected:
        raise ActionFailed(_failure_reason(cf, after) if after else f"Stack {name} is gone")
    ctx.run.summary = f"Change set {change_set} executed: {expected}"


def _outputs(ctx: Context, cf: Any, name: str) -> None:
    """Stack outputs become the action's variables, and OutputFileName's JSON file."""
    stack = _stack(cf, name) or {}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
    ctx.run.variables = dict(outputs)
    file_name = ctx.config.get("OutputFileName")
    names = ctx.output_names()
    if file_name:
        if len(names) != 1:
            raise ActionFailed("OutputFileName needs exactly one output artifact",
                               "ConfigurationError")
        ctx.put_output(names[0], zip_files({str(file_name): json.dumps(outputs, indent=2)}))
    elif names:
        raise ActionFailed("A CloudFormation action has an output artifact only with "
                           "OutputFileName", "ConfigurationError")


__all__ = ["PROVIDERS", "ActionFailed", "ArtifactError", "Context", "supported"]
