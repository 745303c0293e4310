"""Scenario 02: least-privilege IAM for the pipeline's roles.

cdk-nag reports every AWS managed policy (AwsSolutions-IAM4) and every `*` in a policy
(AwsSolutions-IAM5), including the scoped wildcards CDK's own grants write (`s3:GetObject*` on
one bucket's objects). These checks are the precise half: administrator access, service-wide
actions, resource-scoped actions granted on every resource, a role that trusts the wrong service
(no tool checks trust policies against the resource that uses the role), and a resource handed to
a function or project that its role may not touch.

Identity policies only: resource policies (a KMS key policy's account-root statement, a bucket
policy) follow other rules and are not read here.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib.util
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pitfalls.checks import Violation, check
from pitfalls.templates import Json, Template, as_list, ref_target, refs_in

ROLE = "AWS::IAM::Role"
POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
INLINE_POLICY_TYPES = ("AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy")
PRINCIPAL_TYPES = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")

# AWS managed policies that grant everything, or nearly.
ADMIN_POLICIES = ("AdministratorAccess",)

# Who must be trusted by the role a resource property names: (type, property path) -> service.
SERVICE_ROLES: dict[tuple[str, str], str] = {
    ("AWS::CodeBuild::Project", "ServiceRole"): "codebuild",
    ("AWS::Lambda::Function", "Role"): "lambda",
    ("AWS::CodePipeline::Pipeline", "RoleArn"): "codepipeline",
    ("AWS::CodeDeploy::DeploymentGroup", "ServiceRoleArn"): "codedeploy",
    ("AWS::StepFunctions::StateMachine", "RoleArn"): "states",
    ("AWS::Events::Rule", "Targets.RoleArn"): "events",
}

# AWS managed policies known to write logs only: a role carrying them still needs its own grants.
LOGS_ONLY_POLICIES = (
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSXRayDaemonWriteAccess",
)

# Resources a function or project reaches through an environment variable, and the service
# whose actions it needs on them.
GRANTED_TYPES: dict[str, str] = {
    "AWS::SNS::Topic": "sns",
    "AWS::SQS::Queue": "sqs",
    "AWS::S3::Bucket": "s3",
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::Lambda::Function": "lambda",
    "AWS::SecretsManager::Secret": "secretsmanager",
    "AWS::KMS::Key": "kms",
}

# Actions that take a resource ARN in principle, but that CDK's own idiomatic grants write with
# Resource "*" by design (documented in the CDK source); flagging them would flag idiomatic CDK.
STAR_BY_DESIGN = frozenset(
    {
        "cloudwatch:putmetricdata",  # Metric.grant_put_metric_data
        "ec2:createnetworkinterface",  # CodeBuild / Lambda in a VPC
        "ec2:deletenetworkinterface",
        "ec2:assignprivateipaddresses",
        "ec2:unassignprivateipaddresses",
    }
)


# Roles CDK writes whose `*` grants are fixed by the construct and cannot be narrowed from the app:
# CDK Pipelines' self-mutation runs `cdk deploy`, which looks up stacks and asset buckets in
# whatever accounts the pipeline deploys to (cloudformation:DescribeStacks, s3:ListBucket).
CDK_FIXED_GRANTS = ("/UpdatePipeline/SelfMutation/",)


@dataclass(frozen=True)
class Statement:
    """One Allow statement of an identity policy, with the resource that holds it."""

    holder: str  # logical id of the policy, managed policy or principal with an inline policy
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[Json, ...]
    conditional: bool

    def star_resource(self) -> bool:
        return any(r == "*" for r in self.resources)


def _statements(holder: str, document: Json) -> Iterator[Statement]:
    if not isinstance(document, dict):
        return
    for st in as_list(document.get("Statement")):
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        not_action = "NotAction" in st
        actions = tuple(a for a in as_list(st.get("NotAction" if not_action else "Action"))
                        if isinstance(a, str))
        resources = tuple(as_list(st.get("Resource"))) or (("*",) if "NotResource" in st else ())
        yield Statement(holder, actions, not_action, resources, bool(st.get("Condition")))


def identity_statements(t: Template) -> Iterator[Statement]:
    """Every Allow statement of every identity policy in the template."""
    for lid, _ in t.resources(*POLICY_TYPES, *INLINE_POLICY_TYPES):
        yield from _statements(lid, t.props(lid).get("PolicyDocument"))
    for lid, _ in t.resources(*PRINCIPAL_TYPES):
        for pol in as_list(t.props(lid).get("Policies")):
            if isinstance(pol, dict):
                yield from _statements(lid, pol.get("PolicyDocument"))


def flat(value: Json) -> str:
    """A value as one string, intrinsics shown as <Name> (the way cdk-nag names findings)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            return str(arg[0]).join(flat(v) for v in as_list(arg[1]))
        if key == "Ref":
            return f"<{arg}>"
        if key == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return "<" + ".".join(str(p) for p in parts) + ">"
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) else arg
            return str(text).replace("${", "<").replace("}", ">")
    return json.dumps(value, sort_keys=True)


def managed_policy_names(t: Template, lid: str) -> list[str]:
    """Names of the AWS managed policies a role, user or group carries."""
    names = []
    for arn in as_list(t.props(lid).get("ManagedPolicyArns")):
        text = flat(arn)
        if ":iam::aws:policy/" in text:
            names.append(text.rsplit("/", 1)[-1])
    return names


# --- AWS's own data on which actions accept a resource ARN ------------------------------------


@functools.cache
def _service_map() -> dict[str, Json]:
    """cfn-lint's copy of the Service Authorization Reference (read as a file, not imported)."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(list(spec.submodule_search_locations)[0]) / "data/AdditionalSpecs/Policies.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def resource_scoped(action: str) -> list[str]:
    """The actions matched by `action` that accept a resource ARN ([] when unknown or none)."""
    service, _, name = action.lower().partition(":")
    if not name or name == "*":
        return []
    acts = (_service_map().get(service) or {}).get("Actions") or {}
    matched = fnmatch.filter(acts, name) if "*" in name or "?" in name else [name]
    return [
        f"{service}:{a}"
        for a in matched
        if (acts.get(a) or {}).get("Resources") and f"{service}:{a}" not in STAR_BY_DESIGN
    ]


# --- checks ---------------------------------------------------------------------------------


def _admin_statement(st: Statement) -> bool:
    return not st.not_action and "*" in st.actions and st.star_resource()


@check(
    id="PP02-ADMIN-ACCESS",
    scenario=2,
    severity="error",
    requirement="No role, user or group of the pipeline holds administrator access.",
    rationale=(
        "A build or pipeline role runs code from the source bucket: with AdministratorAccess, or "
        "a statement allowing every action on every resource, whoever can change a dependency or "
        "a buildspec owns the account. Nothing fails, so nobody notices until it is abused."
    ),
    fix=(
        "Drop iam.ManagedPolicy.from_aws_managed_policy_name('AdministratorAccess'); grant what "
        "the job does with CDK grants (bucket.grant_read(role), topic.grant_publish(fn))."
    ),
    source_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
)
def admin_access(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources(*PRINCIPAL_TYPES):
        for name in managed_policy_names(t, lid):
            if name in ADMIN_POLICIES:
                yield lid, f"carries the AWS managed policy {name}"
    seen: set[str] = set()
    for st in identity_statements(t):
        if _admin_statement(st) and st.holder not in seen:
            seen.add(st.holder)
            yield st.holder, 'allows Action "*" on Resource "*" (every action on everything)'


@check(
    id="PP02-WILDCARD-ACTION",
    scenario=2,
    severity="error",
    requirement="Identity policies name the actions a job needs, never a whole service.",
    rationale=(
        "`s3:*` on a bucket also allows s3:DeleteBucket and s3:PutBucketPolicy; `Action: *` on "
        "one resource allows every action its service will ever add. A build that only reads "
        "artifacts can then delete or open them."
    ),
    fix=(
        "Use the CDK grant for the job (bucket.grant_read, grant_put, topic.grant_publish) or "
        "list the actions: iam.PolicyStatement(actions=['lambda:UpdateFunctionCode'], ...)."
    ),
    source_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
)
def wildcard_action(t: Template) -> Iterator[Violation]:
    for st in identity_statements(t):
        if _admin_statement(st):
            continue  # PP02-ADMIN-ACCESS says it
        if st.not_action:
            yield st.holder, "allows NotAction: every action except the listed ones"
            continue
        broad = [a for a in st.actions if a == "*" or a.endswith(":*")]
        if broad:
            where = ", ".join(flat(r) for r in st.resources) or "?"
            yield st.holder, f"allows {', '.join(broad)} on {where}"


@check(
    id="PP02-WILDCARD-RESOURCE",
    scenario=2,
    severity="error",
    requirement='Actions that accept a resource ARN are granted on that ARN, not on "*".',
    rationale=(
        'sns:Publish on "*" lets the role publish to every topic in the account, s3:GetObject '
        'on "*" read every bucket it is not explicitly denied. Actions that take no resource '
        "(X-Ray, codepipeline:PutJobSuccessResult) are fine on \"*\"; these are not."
    ),
    fix=(
        "Pass the resource: topic.grant_publish(fn), bucket.grant_read(role), or "
        "iam.PolicyStatement(actions=[...], resources=[topic.topic_arn])."
    ),
    source_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
)
def wildcard_resource(t: Template) -> Iterator[Violation]:
    for st in identity_statements(t):
        if st.not_action or st.conditional or not st.star_resource():
            continue
        if any(part in (t.cdk_path(st.holder) or "") for part in CDK_FIXED_GRANTS):
            continue
        scoped = [a for a in st.actions if a != "*" and not a.endswith(":*") and resource_scoped(a)]
        if scoped:
            yield st.holder, (
                f'grants {", ".join(scoped)} on Resource "*"; '
                f'{"this action takes" if len(scoped) == 1 else "these actions take"} a resource ARN'
            )


def _trusted_services(t: Template, role: str) -> set[str]:
    doc = t.props(role).get("AssumeRolePolicyDocument") or {}
    out: set[str] = set()
    for st in as_list(doc.get("Statement") if isinstance(doc, dict) else None):
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        principal = st.get("Principal")
        if not isinstance(principal, dict):
            continue
        for svc in as_list(principal.get("Service")):
            out.add(flat(svc).split(".", 1)[0].lower())
    return out


def _service_role_uses(t: Template) -> Iterator[tuple[str, str, str]]:
    """(resource, role, service that must be trusted) for every role a resource runs as."""
    for (rtype, prop), service in SERVICE_ROLES.items():
        for lid, _ in t.resources(rtype):
            props = t.props(lid)
            if prop.startswith("Targets."):
                values = [tg.get("RoleArn") for tg in as_list(props.get("Targets"))
                          if isinstance(tg, dict)]
            else:
                values = [props.get(prop)]
            for v in values:
                role = ref_target(v)
                if role and t.type_of(role) == ROLE:
                    yield lid, role, service


@check(
    id="PP02-WRONG-TRUST",
    scenario=2,
    severity="error",
    requirement="A role used by a service trusts that service's principal in its trust policy.",
    rationale=(
        "A CodeBuild project whose role trusts lambda.amazonaws.com cannot be assumed by "
        "CodeBuild: the project is refused when CloudFormation creates it, or its builds fail "
        "with \"not authorized to perform sts:AssumeRole\". No synth-time tool reads trust policies."
    ),
    fix=(
        "iam.Role(..., assumed_by=iam.ServicePrincipal('codebuild.amazonaws.com')), or let the "
        "construct create its own role (codebuild.PipelineProject does)."
    ),
    source_url="https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html",
)
def wrong_trust(t: Template) -> Iterator[Violation]:
    reported: set[tuple[str, str]] = set()
    for lid, role, service in _service_role_uses(t):
        trusted = _trusted_services(t, role)
        if service not in trusted and (role, service) not in reported:
            reported.add((role, service))
            who = ", ".join(sorted(f"{s}.amazonaws.com" for s in trusted)) or "no service"
            yield role, (
                f"used by {lid} ({t.type_of(lid)}) but trusts {who}, "
                f"not {service}.amazonaws.com"
            )


# --- missing grants -------------------------------------------------------------------------

def _lambda_env(props: dict[str, Json]) -> Iterator[tuple[str, Json]]:
    variables = (props.get("Environment") or {}).get("Variables") or {}
    yield from variables.items() if isinstance(variables, dict) else ()


def _codebuild_env(props: dict[str, Json]) -> Iterator[tuple[str, Json]]:
    for v in as_list((props.get("Environment") or {}).get("EnvironmentVariables")):
        if isinstance(v, dict) and v.get("Type", "PLAINTEXT") == "PLAINTEXT":
            yield str(v.get("Name")), v.get("Value")


# Where a resource's role and plain environment variables are: type -> (role property, reader).
ENV_PATHS = {
    "AWS::Lambda::Function": ("Role", _lambda_env),
    "AWS::CodeBuild::Project": ("ServiceRole", _codebuild_env),
}


def _attached_statements(t: Template, role: str) -> list[Statement] | None:
    """Statements that apply to `role`; None when an unknown AWS managed policy may grant more."""
    for name in managed_policy_names(t, role):
        if name in ADMIN_POLICIES:
            return [Statement(role, ("*",), False, ("*",), False)]
        if name not in LOGS_ONLY_POLICIES:
            return None
    out = [st for st in identity_statements(t) if st.holder == role]
    for lid, _ in t.resources(*POLICY_TYPES, *INLINE_POLICY_TYPES):
        props = t.props(lid)
        attached = {ref_target(r) for r in as_list(props.get("Roles"))}
        attached.add(ref_target(props.get("RoleName")))
        if role in attached:
            out.extend(st for st in identity_statements(t) if st.holder == lid)
    return out


def _allows(st: Statement, service: str, target: str, t: Template | None = None) -> bool:
    if st.not_action:
        return True
    if not any(a == "*" or a.lower().startswith(f"{service}:") for a in st.actions):
        return False
    if st.star_resource():
        return True
    granted = refs_in(list(st.resources))
    if t is not None:
        # A grant on an alias or version of a function is a grant on (that qualifier of) it.
        for lid in list(granted):
            if t.type_of(lid) in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                granted |= refs_in(t.props(lid).get("FunctionName"))
    return target in granted


def _handed_resources(value: Json) -> set[str]:
    """Logical ids a value points at by Ref or by an ARN/name/URL attribute."""
    target = ref_target(value)
    if target is None:
        return set()
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        attr = flat(value).strip("<>").split(".", 1)[-1]
        if not attr.endswith(("Arn", "Name", "Url")):
            return set()
    return {target}


@check(
    id="PP02-MISSING-GRANT",
    scenario=2,
    severity="error",
    requirement="A function or project may act on every resource it is handed in its environment.",
    rationale=(
        "The function gets TOPIC_ARN but its role has no sns:Publish on that topic: it deploys, "
        "and the first publish fails with AuthorizationError (not authorized to perform "
        "SNS:Publish). Nothing at synth or deploy time notices."
    ),
    fix="Grant with CDK: topic.grant_publish(fn), bucket.grant_read(fn), table.grant_read_data(fn).",
    source_url="https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
)
def missing_grant(t: Template) -> Iterator[Violation]:
    for rtype, (role_prop, env_items) in ENV_PATHS.items():
        for lid, _ in t.resources(rtype):
            props = t.props(lid)
            role = ref_target(props.get(role_prop))
            if not role or t.type_of(role) != ROLE:
                continue
            statements = _attached_statements(t, role)
            if statements is None:
                continue  # an AWS managed policy we cannot read may grant it
            starts_deployments = any("codedeploy:CreateDeployment" in st.actions for st in statements)
            for name, value in env_items(props):
                for target in sorted(_handed_resources(value)):
                    service = GRANTED_TYPES.get(t.type_of(target) or "")
                    if service == "lambda" and starts_deployments:
                        continue  # a hook name handed on to CodeDeploy, which invokes it itself
                    if service and target != lid and not any(
                        _allows(st, service, target, t) for st in statements
                    ):
                        yield lid, (
                            f"{name} names {target} ({t.type_of(target)}) but role {role} "
                            f"has no {service}: permission on it"
                        )
