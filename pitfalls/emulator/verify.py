"""Read a deployed stack back through the service APIs and compare it with its template.

`verify_stack(endpoint, stack, template)` resolves the template's references with what the
stack reports (Ref: physical ids from DescribeStackResources; Fn::GetAtt: asked of each service,
never of the emulator's CloudFormation) and checks every property of every resource against
what S3, IAM, Lambda, CodePipeline ... answer. It returns the mismatches, one line each.
`resources_left(endpoint, stack_resources)` tells which resources still exist after a destroy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from pitfalls.emulator.inline_code import inline_zip
from pitfalls.emulator.settings import ACCOUNT, FAKE_ACCESS_KEY, FAKE_SECRET_KEY, REGION

NOT_FOUND = {"NoSuchBucket", "NoSuchEntity", "NotFoundException", "ResourceNotFoundException",
             "NoSuchBucketPolicy", "AWS.SimpleQueueService.NonExistentQueue",
             "QueueDoesNotExist", "ParameterNotFound", "TrailNotFoundException",
             "ApplicationDoesNotExistException", "DeploymentGroupDoesNotExistException",
             "PipelineNotFoundException", "RepositoryNotFoundException", "NotFound",
             "ResourceNotFound", "InvalidParameter", "ValidationError"}


class Gone(Exception):
    """The resource does not exist (any more)."""


class Clients:
    """boto3 clients, made on first use: for the local AWS at `endpoint`, or, with
    `Clients.for_aws()`, for the account and region the default credential chain points at."""

    def __init__(self, endpoint: str | None, session: Any = None) -> None:
        self.endpoint = endpoint
        self._session = session
        self._made: dict[str, Any] = {}
        self._account: str | None = ACCOUNT if endpoint else None
        self.region: str = REGION if endpoint else str(session.region_name)

    @classmethod
    def for_aws(cls, session: Any = None) -> Clients:
        """Clients for a real account (the caller has checked the credentials are real)."""
        return cls(None, session or boto3.Session())

    @property
    def account(self) -> str:
        if self._account is None:
            self._account = str(self.sts.get_caller_identity()["Account"])
        return self._account

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._made:
            name = {"awslambda": "lambda"}.get(service, service)
            retries = Config(retries={"max_attempts": 1 if self.endpoint else 5})
            if self.endpoint:
                self._made[service] = boto3.client(
                    name, endpoint_url=self.endpoint, region_name=REGION,
                    aws_access_key_id=FAKE_ACCESS_KEY, aws_secret_access_key=FAKE_SECRET_KEY,
                    config=retries)
            else:
                self._made[service] = self._session.client(name, config=retries)
        return self._made[service]


def _call(fn: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in NOT_FOUND:
            raise Gone(str(exc)) from None
        raise


@dataclass
class Report:
    """Mismatches found, per resource."""

    problems: list[str] = field(default_factory=list)
    checked: dict[str, str] = field(default_factory=dict)  # logical id -> type

    def expect(self, where: str, what: str, actual: Any, expected: Any) -> None:
        if _norm(actual) != _norm(expected):
            self.problems.append(f"{where}: {what} is {actual!r}, the template says {expected!r}")


def _norm(value: Any) -> Any:
    """Compare JSON documents as data, numbers and booleans as the text APIs often give."""
    if isinstance(value, str):
        s = value.strip()
        if s[:1] in "{[":
            try:
                return _norm(json.loads(s))
            except ValueError:
                return value
        return s
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _tags(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in (tags or [])}


def _sub(actual: dict[str, str], expected: dict[str, str]) -> dict[str, str]:
    """The part of `actual` the template speaks about (services add tags of their own)."""
    return {k: actual.get(k, "<missing>") for k in expected}


# --- resolving the template with the services' answers --------------------------------------------

class Resolver:
    def __init__(self, c: Clients, template: dict[str, Any], physical: dict[str, str],
                 types: dict[str, str], stack_id: str, stack_name: str,
                 parameters: dict[str, str] | None = None) -> None:
        self.c, self.template, self.physical, self.types = c, template, physical, types
        self.parameters = parameters or {}  # as the stack reports them (DescribeStacks)
        self.pseudo = {"AWS::AccountId": c.account, "AWS::Region": c.region,
                       "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
                       "AWS::StackId": stack_id, "AWS::StackName": stack_name}

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.physical:
            return self.physical[name]
        param = (self.template.get("Parameters") or {}).get(name)
        if param is not None:
            return self.parameters.get(name, param.get("Default"))
        raise KeyError(f"Ref {name}")

    def getatt(self, name: str, attr: str) -> Any:
        rtype, pid = self.types[name], self.physical[name]
        fn = GETATT.get((rtype, attr))
        if fn is None:
            raise KeyError(f"Fn::GetAtt {name}.{attr} ({rtype}) has no read-back")
        return fn(self.c, pid)

    def __call__(self, v: Any) -> Any:
        if isinstance(v, list):
            return [self(x) for x in v]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            (fn, arg), = v.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::GetAtt":
                name, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.getatt(name, attr)
            if fn == "Fn::Join":
                return arg[0].join(str(x) for x in self(arg[1]))
            if fn == "Fn::Select":
                return self(arg[1])[int(self(arg[0]))]
            if fn == "Fn::Split":
                return self(arg[1]).split(arg[0])
            if fn == "Fn::Sub":
                text, local = (arg[0], self(arg[1])) if isinstance(arg, list) else (arg, {})
                import re

                def one(m: re.Match[str]) -> str:
                    key = m.group(1)
                    if key in local:
                        return str(local[key])
                    if "." in key and key.split(".")[0] in self.types:
                        return str(self.getatt(*key.split(".", 1)))
                    return str(self.ref(key))

                return re.sub(r"\$\{([^}!][^}]*)\}", one, text)
        return {k: self(x) for k, x in v.items()}


def _role_arn(c: Clients, name: str) -> str:
    return str(_call(c.iam.get_role, RoleName=name)["Role"]["Arn"])


GETATT: dict[tuple[str, str], Callable[[Clients, str], Any]] = {
    ("AWS::IAM::Role", "Arn"): _role_arn,
    ("AWS::IAM::Role", "RoleId"): lambda c, p: _call(c.iam.get_role, RoleName=p)["Role"]["RoleId"],
    ("AWS::S3::Bucket", "Arn"): lambda c, p: (_call(c.s3.head_bucket, Bucket=p),
                                              f"arn:aws:s3:::{p}")[1],
    ("AWS::S3::Bucket", "RegionalDomainName"): lambda c, p: f"{p}.s3.{c.region}.amazonaws.com",
    ("AWS::KMS::Key", "Arn"): lambda c, p: _call(c.kms.describe_key, KeyId=p)["KeyMetadata"][
        "Arn"],
    ("AWS::Lambda::Function", "Arn"): lambda c, p: _call(
        c.awslambda.get_function, FunctionName=p)["Configuration"]["FunctionArn"],
    ("AWS::Lambda::Version", "Version"): lambda c, p: _call(
        c.awslambda.get_function_configuration, FunctionName=p)["Version"],
    ("AWS::Logs::LogGroup", "Arn"): lambda c, p: _log_group(c, p)["arn"],
    ("AWS::SQS::Queue", "Arn"): lambda c, p: _call(
        c.sqs.get_queue_attributes, QueueUrl=p, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"],
    ("AWS::SQS::Queue", "QueueName"): lambda c, p: p.rsplit("/", 1)[-1],
    ("AWS::SNS::Topic", "TopicName"): lambda c, p: p.rsplit(":", 1)[-1],
    ("AWS::SNS::Topic", "TopicArn"): lambda c, p: _call(
        c.sns.get_topic_attributes, TopicArn=p)["Attributes"]["TopicArn"],
    ("AWS::CloudWatch::Alarm", "Arn"): lambda c, p: _alarm(c, p)["AlarmArn"],
    ("AWS::CodeBuild::Project", "Arn"): lambda c, p: _project(c, p)["arn"],
    ("AWS::CodeBuild::ReportGroup", "Arn"): lambda c, p: _report_group_info(c, p)["arn"],
    ("AWS::Events::Rule", "Arn"): lambda c, p: _call(c.events.describe_rule, Name=p)["Arn"],
}


# --- one checker per type -------------------------------------------------------------------------

Checker = Callable[[Clients, str, dict[str, Any], Report, str], None]
CHECKERS: dict[str, Checker] = {}


def checker(rtype: str) -> Callable[[Checker], Checker]:
    def deco(fn: Checker) -> Checker:
        CHECKERS[rtype] = fn
        return fn
    return deco


@checker("AWS::S3::Bucket")
def _bucket(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    _call(c.s3.head_bucket, Bucket=name)
    if "BucketName" in p:
        r.expect(w, "BucketName", name, p["BucketName"])
    if "VersioningConfiguration" in p:
        r.expect(w, "versioning", c.s3.get_bucket_versioning(Bucket=name).get("Status"),
                 p["VersioningConfiguration"]["Status"])
    if "BucketEncryption" in p:
        got = c.s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"][
            "Rules"][0]
        want = p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        r.expect(w, "encryption", got["ApplyServerSideEncryptionByDefault"],
                 want["ServerSideEncryptionByDefault"])
        if "BucketKeyEnabled" in want:
            r.expect(w, "bucket key", got.get("BucketKeyEnabled"), want["BucketKeyEnabled"])
    if "LifecycleConfiguration" in p:
        got_rules = c.s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
        want_rules = p["LifecycleConfiguration"]["Rules"]
        r.expect(w, "number of lifecycle rules", len(got_rules), len(want_rules))
        for got, want in zip(got_rules, want_rules, strict=False):
            r.expect(w, "lifecycle rule id", got.get("ID"), want.get("Id"))
            r.expect(w, "lifecycle rule status", got.get("Status"), want["Status"])
            if "NoncurrentVersionExpiration" in want:
                r.expect(w, "noncurrent version expiration",
                         got.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"),
                         want["NoncurrentVersionExpiration"]["NoncurrentDays"])
            if "AbortIncompleteMultipartUpload" in want:
                r.expect(w, "abort incomplete multipart upload",
                         got.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation"),
                         want["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
            if "ExpirationInDays" in want:
                r.expect(w, "expiration", got.get("Expiration", {}).get("Days"),
                         want["ExpirationInDays"])
    if "PublicAccessBlockConfiguration" in p:
        r.expect(w, "public access block",
                 c.s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
                 p["PublicAccessBlockConfiguration"])
    if "OwnershipControls" in p:
        r.expect(w, "ownership", c.s3.get_bucket_ownership_controls(Bucket=name)[
            "OwnershipControls"]["Rules"], p["OwnershipControls"]["Rules"])
    if "LoggingConfiguration" in p:
        got_log = c.s3.get_bucket_logging(Bucket=name).get("LoggingEnabled", {})
        want_log = p["LoggingConfiguration"]
        r.expect(w, "access log bucket", got_log.get("TargetBucket"),
                 want_log.get("DestinationBucketName", name))
        r.expect(w, "access log prefix", got_log.get("TargetPrefix", ""),
                 want_log.get("LogFilePrefix", ""))
    if "Tags" in p:
        want_tags = _tags(p["Tags"])
        r.expect(w, "tags", _sub(_tags(c.s3.get_bucket_tagging(Bucket=name)["TagSet"]),
                                 want_tags), want_tags)


@checker("AWS::S3::BucketPolicy")
def _bucket_policy(c: Clients, pid: str, p: dict[str, Any], r: Report, w: str) -> None:
    r.expect(w, "policy", _call(c.s3.get_bucket_policy, Bucket=p["Bucket"])["Policy"],
             p["PolicyDocument"])


@checker("AWS::KMS::Key")
def _key(c: Clients, key_id: str, p: dict[str, Any], r: Report, w: str) -> None:
    meta = _call(c.kms.describe_key, KeyId=key_id)["KeyMetadata"]
    if meta["KeyState"] == "PendingDeletion":
        raise Gone(key_id)
    r.expect(w, "enabled", meta["Enabled"], p.get("Enabled", True))
    r.expect(w, "key usage", meta["KeyUsage"], p.get("KeyUsage", "ENCRYPT_DECRYPT"))
    r.expect(w, "key spec", meta["KeySpec"], p.get("KeySpec", "SYMMETRIC_DEFAULT"))
    if "Description" in p:
        r.expect(w, "description", meta["Description"], p["Description"])
    if "KeyPolicy" in p:
        r.expect(w, "key policy", c.kms.get_key_policy(KeyId=key_id, PolicyName="default")[
            "Policy"], p["KeyPolicy"])
    r.expect(w, "rotation", c.kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"],
             p.get("EnableKeyRotation", False))
    if "Tags" in p:
        got = {t["TagKey"]: t["TagValue"] for t in c.kms.list_resource_tags(KeyId=key_id)["Tags"]}
        r.expect(w, "tags", _sub(got, _tags(p["Tags"])), _tags(p["Tags"]))


@checker("AWS::KMS::Alias")
def _alias(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    aliases = {a["AliasName"]: a for a in c.kms.list_aliases()["Aliases"]}
    if name not in aliases:
        raise Gone(name)
    target = p["TargetKeyId"].split(":key/")[-1]
    r.expect(w, "target key", aliases[name].get("TargetKeyId"), target)


@checker("AWS::IAM::Role")
def _role(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    role = _call(c.iam.get_role, RoleName=name)["Role"]
    r.expect(w, "trust policy", role["AssumeRolePolicyDocument"], p["AssumeRolePolicyDocument"])
    r.expect(w, "path", role["Path"], p.get("Path", "/"))
    for key, api in (("Description", "Description"), ("MaxSessionDuration", "MaxSessionDuration")):
        if key in p:
            r.expect(w, key, role.get(api), p[key])
    if "PermissionsBoundary" in p:
        r.expect(w, "permissions boundary",
                 role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
                 p["PermissionsBoundary"])
    attached = c.iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    got = {a["PolicyArn"] for a in attached}
    want = set(p.get("ManagedPolicyArns", []))
    if not want <= got:
        r.problems.append(f"{w}: managed policies {sorted(want - got)} are not attached")
    for pol in p.get("Policies", []):
        doc = _call(c.iam.get_role_policy, RoleName=name, PolicyName=pol["PolicyName"])
        r.expect(w, f"inline policy {pol['PolicyName']}", doc["PolicyDocument"],
                 pol["PolicyDocument"])
    if "Tags" in p:
        r.expect(w, "tags", _sub(_tags(role.get("Tags")), _tags(p["Tags"])), _tags(p["Tags"]))


@checker("AWS::IAM::Policy")
def _policy(c: Clients, pid: str, p: dict[str, Any], r: Report, w: str) -> None:
    for role in p.get("Roles", []):
        doc = _call(c.iam.get_role_policy, RoleName=role, PolicyName=p["PolicyName"])
        r.expect(w, f"policy on {role}", doc["PolicyDocument"], p["PolicyDocument"])


@checker("AWS::IAM::ManagedPolicy")
def _managed_policy(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    pol = _call(c.iam.get_policy, PolicyArn=arn)["Policy"]
    doc = c.iam.get_policy_version(PolicyArn=arn, VersionId=pol["DefaultVersionId"])
    r.expect(w, "document", doc["PolicyVersion"]["Document"], p["PolicyDocument"])


def _project(c: Clients, name: str) -> dict[str, Any]:
    found = c.codebuild.batch_get_projects(names=[name])["projects"]
    if not found:
        raise Gone(name)
    return dict(found[0])


@checker("AWS::CodeBuild::Project")
def _codebuild(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _project(c, name)
    src, want_src = got["source"], p["Source"]
    r.expect(w, "source type", src["type"], want_src["Type"])
    if "BuildSpec" in want_src:
        r.expect(w, "buildspec", src.get("buildspec"), want_src["BuildSpec"])
    r.expect(w, "artifacts type", got["artifacts"]["type"], p["Artifacts"]["Type"])
    env, want_env = got["environment"], p["Environment"]
    for key in ("Type", "Image", "ComputeType", "PrivilegedMode", "ImagePullCredentialsType"):
        if key in want_env:
            r.expect(w, f"environment {key}", env.get(key[0].lower() + key[1:]), want_env[key])
    want_vars = [{"name": v["Name"], "value": v["Value"], "type": v.get("Type", "PLAINTEXT")}
                 for v in want_env.get("EnvironmentVariables", [])]
    r.expect(w, "environment variables", env.get("environmentVariables", []), want_vars)
    r.expect(w, "service role", got["serviceRole"], p["ServiceRole"])
    if "EncryptionKey" in p:
        r.expect(w, "encryption key", got["encryptionKey"], p["EncryptionKey"])
    if "LogsConfig" in p:
        cw = got.get("logsConfig", {}).get("cloudWatchLogs", {})
        want_cw = p["LogsConfig"]["CloudWatchLogs"]
        r.expect(w, "log group", cw.get("groupName"), want_cw.get("GroupName"))
        r.expect(w, "logs status", cw.get("status"), want_cw.get("Status"))
    if "Cache" in p:
        r.expect(w, "cache", got["cache"]["type"], p["Cache"]["Type"])
    if "TimeoutInMinutes" in p:
        r.expect(w, "timeout", got["timeoutInMinutes"], p["TimeoutInMinutes"])
    if "Tags" in p:
        got_tags = {t["key"]: t["value"] for t in got.get("tags") or []}
        r.expect(w, "tags", _sub(got_tags, _tags(p["Tags"])), _tags(p["Tags"]))


def _report_group_info(c: Clients, arn: str) -> dict[str, Any]:
    found = c.codebuild.batch_get_report_groups(reportGroupArns=[arn])["reportGroups"]
    if not found:
        raise Gone(arn)
    return dict(found[0])


@checker("AWS::CodeBuild::ReportGroup")
def _report_group(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _report_group_info(c, arn)
    r.expect(w, "type", got["type"], p["Type"])
    r.expect(w, "export", got["exportConfig"]["exportConfigType"],
             p["ExportConfig"]["ExportConfigType"])
    if "Tags" in p:
        got_tags = {t["key"]: t["value"] for t in got.get("tags") or []}
        r.expect(w, "tags", _sub(got_tags, _tags(p["Tags"])), _tags(p["Tags"]))


def _log_group(c: Clients, name: str) -> dict[str, Any]:
    groups = c.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    for g in groups:
        if g["logGroupName"] == name:
            return dict(g)
    raise Gone(name)


@checker("AWS::Logs::LogGroup")
def _log_group_check(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    g = _log_group(c, name)
    r.expect(w, "retention", g.get("retentionInDays"), p.get("RetentionInDays"))
    if "KmsKeyId" in p:
        r.expect(w, "kms key", g.get("kmsKeyId"), p["KmsKeyId"])
    if "Tags" in p:
        arn = g["arn"].removesuffix(":*")
        got = c.logs.list_tags_for_resource(resourceArn=arn)["tags"]
        r.expect(w, "tags", _sub(got, _tags(p["Tags"])), _tags(p["Tags"]))


@checker("AWS::Lambda::Function")
def _function(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _call(c.awslambda.get_function, FunctionName=name)
    cfg = got["Configuration"]
    for key in ("Runtime", "Handler", "MemorySize", "Timeout", "Role", "Description"):
        if key in p:
            r.expect(w, key, cfg.get(key), p[key])
    r.expect(w, "environment", cfg.get("Environment", {}).get("Variables", {}),
             p.get("Environment", {}).get("Variables", {}))
    if "LoggingConfig" in p:
        r.expect(w, "logging config", _sub(cfg.get("LoggingConfig", {}), p["LoggingConfig"]),
                 p["LoggingConfig"])
    if "Architectures" in p:
        r.expect(w, "architectures", cfg.get("Architectures"), p["Architectures"])
    if "ZipFile" in p["Code"]:
        obj = inline_zip(str(p["Code"]["ZipFile"]), p.get("Runtime"))
    else:
        obj = c.s3.get_object(Bucket=p["Code"]["S3Bucket"], Key=p["Code"]["S3Key"])[
            "Body"].read()
    import base64

    r.expect(w, "code (sha256 of the S3 object)", cfg["CodeSha256"],
             base64.b64encode(hashlib.sha256(obj).digest()).decode())
    if "Tags" in p:
        r.expect(w, "tags", _sub(got.get("Tags", {}), _tags(p["Tags"])), _tags(p["Tags"]))


@checker("AWS::Lambda::Version")
def _version(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    number = arn.rsplit(":", 1)[-1]
    versions = c.awslambda.list_versions_by_function(FunctionName=p["FunctionName"])["Versions"]
    if number not in {v["Version"] for v in versions}:
        raise Gone(arn)


@checker("AWS::Lambda::Alias")
def _lambda_alias(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _call(c.awslambda.get_alias, FunctionName=p["FunctionName"], Name=p["Name"])
    r.expect(w, "function version", got["FunctionVersion"], p["FunctionVersion"])
    if "Description" in p:
        r.expect(w, "description", got.get("Description"), p["Description"])


def _camel_keys(value: Any) -> Any:
    """CloudFormation's PascalCase keys as the JSON API's camelCase ones."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel_keys(v) for v in value]
    return value


@checker("AWS::CodePipeline::Pipeline")
def _pipeline(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _call(c.codepipeline.get_pipeline, name=name)["pipeline"]
    r.expect(w, "role", got["roleArn"], p["RoleArn"])
    r.expect(w, "pipeline type", got.get("pipelineType"), p.get("PipelineType", "V1"))
    if "ExecutionMode" in p:
        r.expect(w, "execution mode", got.get("executionMode"), p["ExecutionMode"])
    if "Variables" in p:
        r.expect(w, "variables", got.get("variables"), _camel_keys(p["Variables"]))
    store, want = got["artifactStore"], p["ArtifactStore"]
    r.expect(w, "artifact store", store["location"], want["Location"])
    if "EncryptionKey" in want:
        r.expect(w, "artifact key", store.get("encryptionKey", {}).get("id"),
                 want["EncryptionKey"]["Id"])
    r.expect(w, "stages", [s["name"] for s in got["stages"]], [s["Name"] for s in p["Stages"]])
    for gs, ws in zip(got["stages"], p["Stages"], strict=False):
        r.expect(f"{w} stage {ws['Name']}", "on failure", gs.get("onFailure"),
                 _camel_keys(ws["OnFailure"]) if "OnFailure" in ws else None)
        r.expect(f"{w} stage {ws['Name']}", "actions", [a["name"] for a in gs["actions"]],
                 [a["Name"] for a in ws["Actions"]])
        for ga, wa in zip(gs["actions"], ws["Actions"], strict=False):
            where = f"{w} action {ws['Name']}/{wa['Name']}"
            r.expect(where, "name", ga["name"], wa["Name"])
            r.expect(where, "type", ga["actionTypeId"],
                     {k[0].lower() + k[1:]: v for k, v in wa["ActionTypeId"].items()})
            r.expect(where, "configuration", ga.get("configuration", {}),
                     wa.get("Configuration", {}))
            r.expect(where, "inputs", [a["name"] for a in ga.get("inputArtifacts", [])],
                     [a["Name"] for a in wa.get("InputArtifacts", [])])
            r.expect(where, "outputs", [a["name"] for a in ga.get("outputArtifacts", [])],
                     [a["Name"] for a in wa.get("OutputArtifacts", [])])
            r.expect(where, "role", ga.get("roleArn"), wa.get("RoleArn"))
            r.expect(where, "run order", ga.get("runOrder", 1), wa.get("RunOrder", 1))
            r.expect(where, "namespace", ga.get("namespace"), wa.get("Namespace"))
    if "Tags" in p:
        arn = f"arn:aws:codepipeline:{c.region}:{c.account}:{name}"
        got_tags = {t["key"]: t["value"] for t in
                    c.codepipeline.list_tags_for_resource(resourceArn=arn)["tags"]}
        r.expect(w, "tags", _sub(got_tags, _tags(p["Tags"])), _tags(p["Tags"]))


@checker("AWS::SNS::Topic")
def _topic(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    attrs = _call(c.sns.get_topic_attributes, TopicArn=arn)["Attributes"]
    r.expect(w, "display name", attrs.get("DisplayName", ""), p.get("DisplayName", ""))
    if "KmsMasterKeyId" in p:
        r.expect(w, "kms key", attrs.get("KmsMasterKeyId"), p["KmsMasterKeyId"])
    if "Tags" in p:
        got = _tags(c.sns.list_tags_for_resource(ResourceArn=arn)["Tags"])
        r.expect(w, "tags", _sub(got, _tags(p["Tags"])), _tags(p["Tags"]))


@checker("AWS::SNS::Subscription")
def _subscription(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    attrs = _call(c.sns.get_subscription_attributes, SubscriptionArn=arn)["Attributes"]
    r.expect(w, "topic", attrs["TopicArn"], p["TopicArn"])
    r.expect(w, "protocol", attrs["Protocol"], p["Protocol"])
    r.expect(w, "endpoint", attrs["Endpoint"], p.get("Endpoint"))
    r.expect(w, "raw delivery", attrs.get("RawMessageDelivery", "false"),
             p.get("RawMessageDelivery", False))
    if "FilterPolicy" in p:
        r.expect(w, "filter policy", attrs.get("FilterPolicy"), p["FilterPolicy"])


@checker("AWS::SNS::TopicPolicy")
def _topic_policy(c: Clients, pid: str, p: dict[str, Any], r: Report, w: str) -> None:
    for arn in p["Topics"]:
        attrs = _call(c.sns.get_topic_attributes, TopicArn=arn)["Attributes"]
        r.expect(w, f"policy of {arn}", attrs.get("Policy"), p["PolicyDocument"])


@checker("AWS::SQS::Queue")
def _queue(c: Clients, url: str, p: dict[str, Any], r: Report, w: str) -> None:
    attrs = _call(c.sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["All"])[
        "Attributes"]
    for key in ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
                "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "KmsMasterKeyId",
                "SqsManagedSseEnabled"):
        if key in p:
            r.expect(w, key, attrs.get(key), p[key])
    if "Tags" in p:
        got = c.sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        r.expect(w, "tags", _sub(got, _tags(p["Tags"])), _tags(p["Tags"]))


@checker("AWS::SQS::QueuePolicy")
def _queue_policy(c: Clients, pid: str, p: dict[str, Any], r: Report, w: str) -> None:
    for url in p["Queues"]:
        attrs = _call(c.sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Policy"])
        r.expect(w, f"policy of {url}", attrs.get("Attributes", {}).get("Policy"),
                 p["PolicyDocument"])


@checker("AWS::Events::Rule")
def _rule(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    bus = p.get("EventBusName", "default")
    got = _call(c.events.describe_rule, Name=name, EventBusName=bus)
    r.expect(w, "state", got.get("State"), p.get("State", "ENABLED"))
    for key in ("EventPattern", "ScheduleExpression", "Description", "RoleArn"):
        if key in p:
            r.expect(w, key, got.get(key), p[key])
    targets = c.events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
    r.expect(w, "targets", [(t["Id"], t["Arn"]) for t in targets],
             [(t["Id"], t["Arn"]) for t in p.get("Targets", [])])
    for got_t, want_t in zip(targets, p.get("Targets", []), strict=False):
        for key in ("Input", "InputPath", "InputTransformer"):
            if key in want_t:
                r.expect(w, f"target {want_t['Id']} {key}", got_t.get(key), want_t[key])
    if "Tags" in p:
        got_tags = _tags(c.events.list_tags_for_resource(ResourceARN=got["Arn"])["Tags"])
        r.expect(w, "tags", _sub(got_tags, _tags(p["Tags"])), _tags(p["Tags"]))


def _alarm(c: Clients, name: str) -> dict[str, Any]:
    found = c.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    if not found:
        raise Gone(name)
    return dict(found[0])


@checker("AWS::CloudWatch::Alarm")
def _alarm_check(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _alarm(c, name)
    for key in ("MetricName", "Namespace", "Statistic", "Period", "EvaluationPeriods",
                "Threshold", "ComparisonOperator", "TreatMissingData", "AlarmDescription",
                "DatapointsToAlarm", "Unit"):
        if key in p:
            r.expect(w, key, got.get(key), p[key])
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        r.expect(w, key, got.get(key, []), p.get(key, []))
    r.expect(w, "dimensions", sorted((d["Name"], d["Value"]) for d in got.get("Dimensions", [])),
             sorted((d["Name"], d["Value"]) for d in p.get("Dimensions", [])))


@checker("AWS::CloudWatch::Dashboard")
def _dashboard(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _call(c.cloudwatch.get_dashboard, DashboardName=name)
    r.expect(w, "body", got["DashboardBody"], p["DashboardBody"])


@checker("AWS::CodeDeploy::Application")
def _cd_app(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _call(c.codedeploy.get_application, applicationName=name)["application"]
    r.expect(w, "compute platform", got["computePlatform"], p.get("ComputePlatform", "Server"))


@checker("AWS::CodeDeploy::DeploymentGroup")
def _cd_group(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _call(c.codedeploy.get_deployment_group, applicationName=p["ApplicationName"],
                deploymentGroupName=name)["deploymentGroupInfo"]
    r.expect(w, "service role", got["serviceRoleArn"], p["ServiceRoleArn"])
    if "DeploymentConfigName" in p:
        r.expect(w, "deployment config", got["deploymentConfigName"], p["DeploymentConfigName"])
    if "AlarmConfiguration" in p:
        alarms = got.get("alarmConfiguration", {})
        r.expect(w, "alarms enabled", alarms.get("enabled"),
                 p["AlarmConfiguration"].get("Enabled", False))
        r.expect(w, "alarms", [a["name"] for a in alarms.get("alarms", [])],
                 [a["Name"] for a in p["AlarmConfiguration"].get("Alarms", [])])
    if "AutoRollbackConfiguration" in p:
        rb = got.get("autoRollbackConfiguration", {})
        r.expect(w, "auto rollback", rb.get("enabled"),
                 p["AutoRollbackConfiguration"].get("Enabled"))
        r.expect(w, "rollback events", sorted(rb.get("events", [])),
                 sorted(p["AutoRollbackConfiguration"].get("Events", [])))
    if "DeploymentStyle" in p:
        style = got.get("deploymentStyle", {})
        r.expect(w, "deployment style", (style.get("deploymentType"),
                                         style.get("deploymentOption")),
                 (p["DeploymentStyle"].get("DeploymentType"),
                  p["DeploymentStyle"].get("DeploymentOption")))


@checker("AWS::CloudTrail::Trail")
def _trail(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _call(c.cloudtrail.get_trail, Name=name)["Trail"]
    r.expect(w, "bucket", got["S3BucketName"], p["S3BucketName"])
    r.expect(w, "global events", got.get("IncludeGlobalServiceEvents"),
             p.get("IncludeGlobalServiceEvents", True))
    r.expect(w, "multi-region", got.get("IsMultiRegionTrail"), p.get("IsMultiRegionTrail", False))
    r.expect(w, "log file validation", got.get("LogFileValidationEnabled"),
             p.get("EnableLogFileValidation", False))
    r.expect(w, "logging", c.cloudtrail.get_trail_status(Name=name)["IsLogging"], p["IsLogging"])
    if "KMSKeyId" in p:
        r.expect(w, "kms key", got.get("KmsKeyId"), p["KMSKeyId"])
    if p.get("EventSelectors"):
        got_sel = c.cloudtrail.get_event_selectors(TrailName=name).get("EventSelectors", [])
        r.expect(w, "event selectors", got_sel, p["EventSelectors"])


@checker("AWS::SSM::Parameter")
def _parameter(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _call(c.ssm.get_parameter, Name=name)["Parameter"]
    r.expect(w, "value", got["Value"], p["Value"])
    r.expect(w, "type", got["Type"], p["Type"])


@checker("AWS::ECR::Repository")
def _repository(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _call(c.ecr.describe_repositories, repositoryNames=[name])["repositories"][0]
    if "ImageTagMutability" in p:
        r.expect(w, "tag mutability", got["imageTagMutability"], p["ImageTagMutability"])


@checker("AWS::CDK::Metadata")
def _metadata(c: Clients, pid: str, p: dict[str, Any], r: Report, w: str) -> None:
    """Nothing behind it in any service: being in the stack is all there is."""


# --- whole stacks ---------------------------------------------------------------------------------

def stack_resources(c: Clients, stack: str) -> dict[str, tuple[str, str]]:
    """logical id -> (type, physical id) as the stack reports them."""
    out = c.cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    return {x["LogicalResourceId"]: (x["ResourceType"], x["PhysicalResourceId"]) for x in out}


def verify_stack(target: str | Clients, stack: str, template: dict[str, Any] | None = None) -> Report:
    """Check every resource of `template` (default: the stack's deployed template) against what
    the services say. `target` is the local AWS's endpoint, or `Clients` for any account."""
    c = target if isinstance(target, Clients) else Clients(target)
    if template is None:
        body = c.cloudformation.get_template(StackName=stack)["TemplateBody"]
        template = json.loads(body) if isinstance(body, str) else dict(body)
    report = Report()
    desc = c.cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    resources = stack_resources(c, stack)
    types = {k: v[0] for k, v in resources.items()}
    physical = {k: v[1] for k, v in resources.items()}
    parameters = {x["ParameterKey"]: x.get("ResolvedValue", x["ParameterValue"])
                  for x in desc.get("Parameters", [])}
    resolve = Resolver(c, template, physical, types, desc["StackId"], stack, parameters)
    for logical, body in template["Resources"].items():
        where = f"{logical} ({body['Type']})"
        if logical not in resources:
            if "Condition" not in body:
                report.problems.append(f"{where}: not in the stack")
            continue
        check = CHECKERS.get(body["Type"])
        if check is None:
            report.problems.append(f"{where}: no read-back check for this type")
            continue
        try:
            props = resolve(body.get("Properties", {}))
            check(c, physical[logical], props, report, where)
        except Gone:
            report.problems.append(f"{where}: the service does not know {physical[logical]}")
        except (ClientError, KeyError) as exc:
            report.problems.append(f"{where}: {exc}")
        report.checked[logical] = body["Type"]
    return report


def resource_exists(c: Clients, rtype: str, physical: str, props: dict[str, Any]) -> bool:
    """Whether a resource is still there (after a destroy), asked of its service."""
    if rtype == "AWS::CDK::Metadata":
        return False  # no service keeps it: it is an entry of a stack, gone with the stack
    try:
        CHECKERS[rtype](c, physical, props, Report(), "")
    except Gone:
        return False
    except Exception:  # it answered, but the props given could not all be compared: it exists
        return True
    return True


def props_for_existence(body: dict[str, Any], resources: dict[str, tuple[str, str]]
                        ) -> dict[str, Any]:
    """The few properties an existence check needs, with Refs replaced by physical ids."""
    def resolve(v: Any) -> Any:
        if isinstance(v, dict) and set(v) == {"Ref"} and v["Ref"] in resources:
            return resources[v["Ref"]][1]
        if isinstance(v, dict):
            return {k: resolve(x) for k, x in v.items()}
        if isinstance(v, list):
            return [resolve(x) for x in v]
        return v

    return dict(resolve(body.get("Properties", {})))


def still_there(c: Clients, template: dict[str, Any], resources: dict[str, tuple[str, str]]
                ) -> dict[str, bool]:
    """After a destroy: logical id -> whether its service still has it (`resources` as
    `stack_resources` gave them before the destroy)."""
    return {lid: resource_exists(c, rtype, physical,
                                 props_for_existence(template["Resources"][lid], resources))
            for lid, (rtype, physical) in sorted(resources.items())
            if lid in template["Resources"]}
