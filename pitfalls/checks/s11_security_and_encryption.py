"""Scenario 11: keys the services can use, secrets out of plain configuration, unprivileged builds,
a scan before the deploy.

cdk-nag already reports a key without rotation (AwsSolutions-KMS5), a CodeBuild project without a
KMS key (CB4), and buckets and topics that accept plain HTTP (S10, SNS3). cdk-nag 3's AwsSolutions
pack has no rule for an unencrypted topic once it is TLS-only, for privileged builds, for secrets
in environment variables, or for key policies; CDK and cfn-lint accept all of them. These checks
cover that ground.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from pitfalls.checks import Violation, check
from pitfalls.checks.flow import SCAN_COMMAND, flows
from pitfalls.templates import Json, Template, as_list, pipeline_actions, ref_target

KEY = "AWS::KMS::Key"
ALIAS = "AWS::KMS::Alias"
TOPIC = "AWS::SNS::Topic"
PROJECT = "AWS::CodeBuild::Project"
FUNCTION = "AWS::Lambda::Function"
PIPELINE = "AWS::CodePipeline::Pipeline"


def flat(value: Json) -> str:
    """A value as text: literals as they are, references as ${Id}, anything else as '?'."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value).lower() if isinstance(value, bool) else str(value)
    target = ref_target(value)
    if target is not None:
        return "${" + target + "}"
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            sep, parts = arg
            return str(sep).join(flat(p) for p in as_list(parts))
        if fn == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) else arg
            return text if isinstance(text, str) else "?"
    return "?"


# --- key policies ----------------------------------------------------------------------------


def key_of(t: Template, value: Json) -> str | None:
    """The AWS::KMS::Key in this template that a KmsKeyId-like value points at (through an alias)."""
    target = ref_target(value)
    if t.type_of(target) == ALIAS:
        target = ref_target(t.props(str(target)).get("TargetKeyId"))
    return target if t.type_of(target) == KEY else None


def _principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return []
    out = [flat(s) for s in as_list(principal.get("Service"))]
    out += ["*" for a in as_list(principal.get("AWS")) if a == "*"]
    return out


def _allows(statement: dict[str, Any], action: str) -> bool:
    return any(
        isinstance(a, str) and fnmatchcase(action.lower(), a.lower())
        for a in as_list(statement.get("Action"))
    )


def _principal_matches(principal: str, service: str) -> bool:
    """`logs.${AWS::Region}.amazonaws.com` or `logs.eu-west-1.amazonaws.com` vs `logs.*.amazonaws.com`."""
    if principal == "*":
        return True
    p = re.sub(r"\$\{[^}]*\}", "*", principal)
    return fnmatchcase(p, service) or fnmatchcase(service, p)


def key_allows(t: Template, key: str, service: str, actions: tuple[str, ...]) -> bool:
    """Whether the key policy lets `service` (a glob such as `logs.*.amazonaws.com`) do `actions`."""
    statements = as_list((t.props(key).get("KeyPolicy") or {}).get("Statement"))
    for action in actions:
        granted = any(
            isinstance(s, dict)
            and s.get("Effect") == "Allow"
            and _allows(s, action)
            and any(_principal_matches(p, service) for p in _principals(s))
            for s in statements
        )
        if not granted:
            return False
    return True


# Who must be able to use a key, for what: (principal glob, actions, what fails without it).
LOGS = ("logs.*.amazonaws.com", ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"))
CLOUDTRAIL = ("cloudtrail.amazonaws.com", ("kms:GenerateDataKey",))
PUBLISHERS = {
    "cloudwatch.amazonaws.com": "CloudWatch alarm",
    "events.amazonaws.com": "EventBridge rule",
    "codestar-notifications.amazonaws.com": "CodeStar notification rule",
}
PUBLISH_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
AWS_MANAGED_SNS_KEY = re.compile(r"(^|[:/])alias/aws/sns$")


def topic_publishers(t: Template, topic: str) -> dict[str, str]:
    """The AWS services that publish to `topic`, each with one resource that makes them."""
    out: dict[str, str] = {}
    for lid, body in t.resources("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
        p = body.get("Properties") or {}
        actions = [*as_list(p.get("AlarmActions")), *as_list(p.get("OKActions")),
                   *as_list(p.get("InsufficientDataActions"))]
        if any(ref_target(a) == topic for a in actions):
            out.setdefault("cloudwatch.amazonaws.com", lid)
    for lid, _ in t.resources("AWS::Events::Rule"):
        if any(ref_target((tg or {}).get("Arn")) == topic for tg in as_list(t.props(lid).get("Targets"))):
            out.setdefault("events.amazonaws.com", lid)
    for lid, _ in t.resources("AWS::CodeStarNotifications::NotificationRule"):
        targets = as_list(t.props(lid).get("Targets"))
        if any(ref_target((tg or {}).get("TargetAddress")) == topic for tg in targets):
            out.setdefault("codestar-notifications.amazonaws.com", lid)
    return out


@check(
    id="PP11-KEY-BLOCKS-SERVICE",
    scenario=11,
    severity="error",
    requirement="The key policy of a customer-managed key lets every AWS service that uses it do so.",
    rationale=(
        "Only the key policy can let a service principal use a KMS key. CloudWatch Logs and "
        "CloudTrail refuse to create an encrypted log group or trail they cannot use, so the "
        "deploy fails; CloudWatch alarms and EventBridge cannot publish to a topic encrypted with "
        "a key they may not use, so the alerts are dropped and nobody hears. CDK's LogGroup, "
        "Trail and alarm SnsAction do not add these statements; the AWS managed key alias/aws/sns "
        "cannot be given them at all."
    ),
    fix=(
        "key.add_to_resource_policy(...) for logs.<region>.amazonaws.com (with the "
        "kms:EncryptionContext:aws:logs:arn condition) and cloudtrail.amazonaws.com; "
        "topic.grant_publish(iam.ServicePrincipal('cloudwatch.amazonaws.com')) for alarms; a "
        "customer-managed key instead of alias/aws/sns."
    ),
    source_url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
)
def key_blocks_service(t: Template) -> Iterator[Violation]:
    def users(kind: str, prop: str, service: tuple[str, tuple[str, ...]]) -> dict[str, list[str]]:
        """Resources of `kind` whose key (in `prop`) does not let `service` use it, by key."""
        out: dict[str, list[str]] = {}
        for lid, _ in t.resources(kind):
            key = key_of(t, t.props(lid).get(prop))
            if key and not key_allows(t, key, *service):
                out.setdefault(key, []).append(lid)
        return out

    for key, groups in users("AWS::Logs::LogGroup", "KmsKeyId", LOGS).items():
        yield key, (
            f"{_some('log group', groups)} encrypted with this key, but its policy does not allow "
            f"logs.<region>.amazonaws.com: CloudWatch Logs cannot create {_it(groups)}"
        )
    for key, trails in users("AWS::CloudTrail::Trail", "KMSKeyId", CLOUDTRAIL).items():
        yield key, (
            f"{_some('trail', trails)} encrypted with this key, but its policy does not allow "
            f"cloudtrail.amazonaws.com: CloudTrail cannot create {_it(trails)}"
        )
    for lid, _ in t.resources(TOPIC):
        key_id = t.props(lid).get("KmsMasterKeyId")
        publishers = topic_publishers(t, lid)
        if not key_id or not publishers:
            continue
        if isinstance(key_id, str) and AWS_MANAGED_SNS_KEY.search(key_id):
            who = ", ".join(f"{PUBLISHERS[s]} {src}" for s, src in sorted(publishers.items()))
            yield lid, (
                f"topic is encrypted with the AWS managed key alias/aws/sns, whose policy cannot "
                f"let {who} publish: use a customer-managed key"
            )
            continue
        topic_key = key_of(t, key_id)
        if topic_key is None:
            continue
        for service, src in sorted(publishers.items()):
            if not key_allows(t, topic_key, service, PUBLISH_ACTIONS):
                yield topic_key, (
                    f"{PUBLISHERS[service]} {src} publishes to topic {lid}, encrypted with this "
                    f"key, but the key policy does not allow {service}: its messages are dropped"
                )


def _it(ids: list[str]) -> str:
    return "it" if len(ids) == 1 else "them"


def _some(kind: str, ids: list[str]) -> str:
    """'log group A is' / 'log groups A, B are'."""
    return f"{kind} {ids[0]} is" if len(ids) == 1 else f"{kind}s {', '.join(ids)} are"


@check(
    id="PP11-TOPIC-NOT-ENCRYPTED",
    scenario=11,
    severity="warning",
    requirement="An SNS topic is encrypted at rest with a customer-managed KMS key.",
    rationale=(
        "Without KmsMasterKeyId, SNS keeps the messages of a topic unencrypted at rest. A "
        "customer-managed key also decides, in one policy, who may publish and read."
    ),
    fix="sns.Topic(..., master_key=key, enforce_ssl=True)",
    source_url="https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html",
)
def topic_not_encrypted(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources(TOPIC):
        if not t.props(lid).get("KmsMasterKeyId"):
            yield lid, "topic has no KmsMasterKeyId: messages are stored unencrypted"


# --- secrets in plain configuration -----------------------------------------------------------

SECRET_WORDS = {"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY",
                "CREDENTIAL", "CREDENTIALS"}
KEY_QUALIFIERS = {"API", "ACCESS", "PRIVATE", "SECRET", "SIGNING", "AUTH", "CLIENT", "MASTER"}
# A name ending in one of these holds a reference to a secret, not the secret itself.
REFERENCE_WORDS = {"ARN", "NAME", "ID", "IDS", "PARAM", "PARAMETER", "PATH", "REF", "FILE",
                   "ENDPOINT", "HEADER", "TTL", "TYPE", "LENGTH", "REGION", "ALIAS", "URL", "URI",
                   "EXPIRY", "ENABLED", "VERSION", "KEYID"}
AWS_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
RESOLVED_SECRET = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):")


def name_words(name: str) -> list[str]:
    """`dbPassword` and `DB_PASSWORD` -> ['DB', 'PASSWORD']."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w.upper() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def secret_like_name(name: str) -> bool:
    """Whether a variable name says it holds a secret value (not a reference to one)."""
    words = name_words(name)
    if not words or words[-1] in REFERENCE_WORDS:
        return False
    if any(w in SECRET_WORDS for w in words):
        return True
    return any(w == "KEY" and i > 0 and words[i - 1] in KEY_QUALIFIERS for i, w in enumerate(words))


def plaintext_secret(name: str, value: Json) -> str | None:
    """Why a plain variable `name=value` exposes a secret, or None when it does not."""
    text = json.dumps(value) if not isinstance(value, str) else value
    if RESOLVED_SECRET.search(text):
        return "resolves a secret into plain configuration at deploy time"
    if not isinstance(value, str) or not value:
        return None
    if AWS_ACCESS_KEY.search(value):
        return "holds an AWS access key id"
    if value.startswith(("arn:", "/", "{{resolve:ssm:")):
        return None  # a reference to a parameter or secret, read at run time
    if secret_like_name(name):
        return "holds a literal secret value"
    return None


def _codebuild_variables(items: Json) -> Iterator[tuple[str, Json, str]]:
    for v in as_list(items):
        if isinstance(v, dict):
            name = v.get("Name", v.get("name"))
            yield str(name), v.get("Value", v.get("value")), str(v.get("Type", v.get("type")) or "PLAINTEXT")


@check(
    id="PP11-PLAINTEXT-SECRET",
    scenario=11,
    severity="error",
    requirement="No secret sits in a plain CodeBuild, pipeline or Lambda environment variable.",
    rationale=(
        "A plain environment variable is part of the resource's configuration: it is in the "
        "template, in the console, in GetFunctionConfiguration and BatchGetProjects, readable by "
        "anyone allowed to describe the resource, and in every copy of the template."
    ),
    fix=(
        "CodeBuild: BuildEnvironmentVariable(type=SECRETS_MANAGER or PARAMETER_STORE, value=<name>); "
        "Lambda: pass the secret's ARN or name and read it at run time (secret.grant_read(fn))."
    ),
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec.env.secrets-manager",
)
def plaintext_secret_check(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources(PROJECT):
        env = t.props(lid).get("Environment") or {}
        for name, value, kind in _codebuild_variables(env.get("EnvironmentVariables")):
            why = plaintext_secret(name, value) if kind == "PLAINTEXT" else None
            if why:
                yield lid, f"PLAINTEXT build variable {name} {why}"
    for lid, _ in t.resources(FUNCTION):
        variables = (t.props(lid).get("Environment") or {}).get("Variables") or {}
        if isinstance(variables, dict):
            for name, value in variables.items():
                why = plaintext_secret(str(name), value)
                if why:
                    yield lid, f"environment variable {name} {why}"
    for lid, _ in t.resources(PIPELINE):
        for action in pipeline_actions(t.props(lid)):
            raw = action.configuration.get("EnvironmentVariables")
            try:
                items = json.loads(raw) if isinstance(raw, str) else []
            except ValueError:
                items = []
            for name, value, kind in _codebuild_variables(items):
                why = plaintext_secret(name, value) if kind == "PLAINTEXT" else None
                if why:
                    yield lid, f"action {action.name}: variable {name} {why}"


# --- builds -----------------------------------------------------------------------------------


# Image builders, and the CDK and SAM CLIs (which build assets in containers) run as commands: a
# path such as cdk.out is not the CDK CLI.
NEEDS_DOCKER = re.compile(
    r"\b(docker|dockerd|buildah|podman|buildx|kaniko|nerdctl|finch)\b|(?<![\w./-])(cdk|sam)\s+\w",
    re.IGNORECASE,
)


@check(
    id="PP11-PRIVILEGED-MODE",
    scenario=11,
    severity="warning",
    requirement="A CodeBuild project runs privileged only when its build uses Docker.",
    rationale=(
        "Privileged mode gives the build container root access to the host's Docker daemon. It "
        "is needed to build images; for anything else it only widens what a compromised "
        "dependency or build script can do."
    ),
    fix="Drop privileged=True from codebuild.BuildEnvironment (it defaults to False).",
    source_url="https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectEnvironment.html",
)
def privileged_mode(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources(PROJECT):
        env = t.props(lid).get("Environment") or {}
        if str(env.get("PrivilegedMode")).lower() != "true":
            continue
        spec = t.buildspec(lid)
        if spec is not None and not any(NEEDS_DOCKER.search(c) for c in spec.every_command()):
            yield lid, "PrivilegedMode is true, and the buildspec runs no Docker build"


# --- scanning ---------------------------------------------------------------------------------

SWALLOWED = re.compile(r"\|\|\s*(true|:|exit\s+0|echo)\b|;\s*(true|exit\s+0)\s*$")


@check(
    id="PP11-NO-SECURITY-SCAN",
    scenario=11,
    severity="warning",
    requirement="Before the deploy stage, a pipeline action runs a security scan that can fail it.",
    rationale=(
        "Without a scan, a dependency with a known vulnerability or an infrastructure change "
        "that breaks a security rule ships as soon as the tests pass. A scan whose failure is "
        "swallowed (`|| true`) is no scan: the pipeline goes on whatever it finds."
    ),
    fix=(
        "A CodeBuild action before the deploy stage whose buildspec runs `npm audit "
        "--audit-level=high` (and, with the CDK app in the source, `cdk synth` with cdk-nag, "
        "cfn-lint, `python -m pitfalls check`), without `|| true`."
    ),
    source_url="https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/sec_appsec_automate_testing_throughout_lifecycle.html",
)
def no_security_scan(t: Template) -> Iterator[Violation]:
    for flow in flows(t):
        early = flow.early()
        if any(s.scans is None for s in early):
            continue  # commands we cannot read may well scan
        if any(s.scans and s.commands is None for s in early):
            continue  # a scan action of its own (Amazon Inspector)
        scans = [(s, c) for s in early for c in s.commands or () if SCAN_COMMAND.search(c)]
        if not scans:
            yield flow.pipeline, "no action before the deploy runs a security scan"
        elif all(SWALLOWED.search(c) for _, c in scans):
            step, c = scans[0]
            yield flow.pipeline, (
                f"action {step.action.name} runs `{c}`, but its failure is swallowed: it cannot "
                "stop the pipeline"
            )
