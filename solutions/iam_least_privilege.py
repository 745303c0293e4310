"""Scenario 02: every role trusts the right service and may do exactly its job.

A CodeBuild project that calls Lambda gets a role that CodeBuild (and only CodeBuild) can assume,
allowed to update, publish and re-point one function, nothing else (`DeployProject`). The role
CloudFormation works as when the pipeline deploys the application stack is trusted by
CloudFormation only and may touch that stack's resources only (`StackDeploymentRole`).
Everything else is granted with CDK's grants, which scope each permission to one resource of the
stack.

Those grants still contain `*`: `s3:GetObject*` (the GetObject family) on `<bucket>/*` (the
objects of one bucket). cdk-nag's AwsSolutions-IAM5 reports them like a real wildcard, so they
are acknowledged here with a written reason, in the namespaced form
`AwsSolutions::AwsSolutions-IAM5[...]` that CDK keeps in its validation report under
`suppressedViolations` (the plain `AwsSolutions-IAM5[...]` form makes cdk-nag drop the finding
without a trace). The ids are computed from the synthesized policies, never typed by hand, and
only what CDK itself wrote qualifies: a statement in the policy CDK keeps for a principal's grants,
in the exact shape one of CDK's grants gives it (asked of the pinned CDK, `cdk_grant_shapes`).
A wildcard a person wrote, even scoped to a resource of the stack, stays a finding; `*` alone,
`service:*` and Resource `"*"` are never acknowledged.
"""

from __future__ import annotations

import functools
import json
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Acknowledgment, ArnFormat, IAspect, Stack, Validations
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct, IConstruct

from solutions.codebuild_configuration import NodeProject, build_spec_for_alias_deploy
from solutions.lambda_runtime import RUNTIME

NAG_PACK = "AwsSolutions"  # cdk-nag's plugin name: the namespace CDK matches acknowledgments in

# What the alias-deploy buildspec calls: update the code, wait for it, publish a version, move
# the alias.
DEPLOY_FUNCTION_ACTIONS = [
    "lambda:GetFunction",  # `aws lambda wait function-updated-v2` polls GetFunction
    "lambda:UpdateFunctionCode",
    "lambda:PublishVersion",
]
DEPLOY_ALIAS_ACTIONS = ["lambda:UpdateAlias"]


def nag_id(rule: str, finding: str = "") -> str:
    """The acknowledgment id of a cdk-nag finding, in the namespace CDK's report keeps."""
    return f"{NAG_PACK}::{rule}" + (f"[{finding}]" if finding else "")


def flatten(value: Any) -> str:
    """A resolved CloudFormation value as cdk-nag writes it in finding ids (<Id.Arn>, <AWS::Region>)."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            sep, items = value["Fn::Join"]
            return str(sep).join(flatten(v) for v in items)
        if "Fn::Sub" in value:
            return flatten(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            res, attr = value["Fn::GetAtt"]
            return f"<{flatten(res)}.{flatten(attr)}>"
        if "Fn::ImportValue" in value:
            return flatten(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten(value['Ref'])}>"
    return json.dumps(value)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _anchors(resource: str) -> list[str]:
    """Logical ids a flattened resource is tied to (<Bucket.Arn> -> Bucket); pseudo parameters
    such as <AWS::Region> tie it to nothing."""
    refs = [p.split(">", 1)[0].split(".", 1)[0] for p in resource.split("<")[1:]]
    return [r for r in refs if r and not r.startswith("AWS::")]


_REF = re.compile(r"<(?!AWS::)([A-Za-z0-9]+)((?:\.[A-Za-z0-9.]+)?)>")  # <Bucket.Arn>, <Project>
_OBJECTS = re.compile(r"^(<#\.Arn>)/.+$")  # any object-key pattern of a bucket grant


def _shape(resource: str) -> str:
    """A flattened resource with the granted resource's logical id replaced by `#` and a bucket
    grant's object-key pattern by `*`: what one grant writes, whatever it is granted on."""
    return _OBJECTS.sub(r"\1/*", _REF.sub(r"<#\2>", resource))


@dataclass(frozen=True)
class GrantShape:
    """One statement as a CDK grant writes it: the grant, its actions, its resources' shapes."""

    grant: str
    actions: frozenset[str]
    resources: frozenset[str]


@functools.cache
def cdk_grant_shapes() -> tuple[GrantShape, ...]:
    """The statements CDK's own grants write, asked of CDK itself.

    Each grant the course's constructs use is made once, to a role of its own, on a throwaway
    stack (a KMS-encrypted bucket, its key, a function, a CodeBuild project, which grants its own
    role its logs and reports); the statements that land in each role's policy are the shapes.
    The pinned CDK decides them: nothing here lists an action by hand.
    """
    from aws_cdk import App
    from aws_cdk import aws_s3 as s3

    with tempfile.TemporaryDirectory(prefix="pitfalls-grants-") as outdir:
        stack = Stack(App(outdir=outdir), "GrantShapes")
        key = kms.Key(stack, "Key")
        bucket = s3.Bucket(stack, "Bucket", encryption_key=key)
        function = lambda_.Function(stack, "Function", runtime=RUNTIME, handler="index.handler",
                                    code=lambda_.Code.from_inline("//"))
        # Key grants first: a bucket grant that writes the same key statement is named after them.
        grants: dict[str, Callable[[iam.Role], object]] = {
            "key.grant_decrypt": key.grant_decrypt,
            "key.grant_encrypt": key.grant_encrypt,
            "key.grant_encrypt_decrypt": key.grant_encrypt_decrypt,
            "bucket.grant_read": bucket.grant_read,
            "bucket.grant_write": bucket.grant_write,
            "bucket.grant_read_write": bucket.grant_read_write,
            "bucket.grant_put": bucket.grant_put,
            "function.grant_invoke": function.grant_invoke,
            "a CodeBuild project's own logs and reports": (
                lambda role: codebuild.PipelineProject(stack, "Project", role=role)),
        }
        shapes: dict[tuple[frozenset[str], frozenset[str]], GrantShape] = {}
        for i, (grant, make) in enumerate(grants.items()):
            role = iam.Role(stack, f"Grantee{i}", assumed_by=iam.AccountRootPrincipal())
            make(role)
            policy = role.node.find_child("DefaultPolicy")
            assert isinstance(policy, iam.Policy)
            document = stack.resolve(policy.document)
            for st in _as_list(document.get("Statement", [])):
                actions = frozenset(_as_list(st.get("Action", [])))
                resources = frozenset(_shape(flatten(r)) for r in _as_list(st.get("Resource", [])))
                shapes.setdefault((actions, resources), GrantShape(grant, actions, resources))
    return tuple(shapes.values())


def grant_of(statement: dict[str, Any]) -> str | None:
    """The CDK grant(s) that write exactly this statement, or None for anything else.

    A statement is a CDK grant's when it is scoped to one resource of the stack, in the shape a
    grant gives its resources, and its actions are the whole action set of one or more grants
    (CDK merges grants on the same resource into one statement). A hand-written statement with
    other actions (`s3:Get*`), conditions, or resources of two constructs is not.
    """
    if statement.get("Effect") != "Allow" or {"NotAction", "NotResource", "Condition"} & statement.keys():
        return None
    actions = frozenset(a for a in _as_list(statement.get("Action", [])) if isinstance(a, str))
    flat = [flatten(r) for r in _as_list(statement.get("Resource", []))]
    if len({a for r in flat for a in _anchors(r)}) != 1:
        return None
    resources = frozenset(_shape(r) for r in flat)
    fits = sorted((s for s in cdk_grant_shapes() if s.resources == resources and s.actions <= actions),
                  key=lambda s: -len(s.actions))
    covered: frozenset[str] = frozenset()
    names = []
    for shape in fits:  # the largest grants first: the fewest that write exactly these actions
        if not shape.actions <= covered:
            covered |= shape.actions
            names.append(shape.grant)
    return " + ".join(names) if names and covered == actions else None


def _named(resource: str, prefixes: Sequence[str]) -> str | None:
    """The name prefix that scopes `resource` (its first `*` comes right after one, or after the
    one name and a separator: `function:name:*`, a function's versions), if any."""
    head = resource.split("*", 1)[0]
    return next((p for p in prefixes if p and (
        head.endswith(p) or (head[-1:] in (":", "/") and head[:-1].endswith(p)))), None)


def named_by(statement: dict[str, Any], prefixes: Sequence[str]) -> str | None:
    """The name prefixes (`function:MyStack-*`) that scope every resource of this statement, or
    None: for the resources CloudFormation names after one stack (`<stack>-<LogicalId>-<random>`),
    which a role written before the stack exists can only name by prefix. A person wrote these
    statements; the caller names the prefixes and says why."""
    if not prefixes or statement.get("Effect") != "Allow" or {"NotAction", "NotResource"} & statement.keys():
        return None
    names = [_named(r, prefixes) if r != "*" else None
             for r in map(flatten, _as_list(statement.get("Resource", [])))]
    if not names or None in names:
        return None
    return ", ".join(f"{n}*" for n in sorted({n for n in names if n}))


def scoped_wildcards(statement: dict[str, Any], name_prefixes: Sequence[str] = ()) -> list[str]:
    """The AwsSolutions-IAM5 findings of one statement that a CDK grant wrote, or that names its
    resources by one of `name_prefixes` (`named_by`).

    Only a statement CDK's own grants wrote qualifies (`grant_of`), or one scoped by the prefixes
    its caller names; then its narrow action wildcards (`s3:GetObject*`, never `s3:*` or `*`) and
    its resource wildcards (`<Bucket.Arn>/*`, `log-group:/aws/codebuild/<Project>:*`) are
    findings to acknowledge. The same wildcard written by hand, unnamed, stays a finding.
    """
    if grant_of(statement) is None and named_by(statement, name_prefixes) is None:
        return []
    found = [
        f"Action::{a}"
        for a in _as_list(statement.get("Action", []))
        if isinstance(a, str) and "*" in a and a != "*" and not a.endswith(":*")
    ]
    found += [f"Resource::{r}" for r in map(flatten, _as_list(statement.get("Resource", []))) if "*" in r]
    return found


def _grants_policy(node: IConstruct) -> bool:
    """Whether `node` is the policy CDK makes for a principal's grants (`<Role>/DefaultPolicy`):
    a policy or managed policy a person declared is never one."""
    parent = node.node.scope
    return isinstance(node, iam.CfnPolicy) and parent is not None and parent.node.id == "DefaultPolicy"


@jsii.implements(IAspect)
class _AcknowledgeScopedGrants:
    """Acknowledge the scoped IAM5 findings of every identity policy under a scope."""

    def __init__(self, reason: str, name_prefixes: Sequence[str]) -> None:
        self.reason = reason
        self.name_prefixes = tuple(name_prefixes)

    def visit(self, node: IConstruct) -> None:
        if not _grants_policy(node):
            return
        assert isinstance(node, iam.CfnPolicy)
        document = Stack.of(node).resolve(node.policy_document)
        acks: dict[str, str] = {}
        for statement in _as_list((document or {}).get("Statement", [])):
            for finding in scoped_wildcards(statement, self.name_prefixes):
                flat = [flatten(r) for r in _as_list(statement.get("Resource"))]
                ids = {i for r in flat for i in _anchors(r)}
                ids |= {f"{n}*" for r in flat if (n := _named(r, self.name_prefixes))}
                where = ", ".join(sorted(ids))
                grant = grant_of(statement) or "a statement naming its resources by prefix"
                acks.setdefault(
                    nag_id("AwsSolutions-IAM5", finding), f"{self.reason}: {grant} on {where}"
                )
        if acks:
            Validations.of(node).acknowledge(
                *(Acknowledgment(id=i, reason=r) for i, r in sorted(acks.items()))
            )


def acknowledge_scoped_grants(
    scope: IConstruct, reason: str, *, name_prefixes: Sequence[str] = ()
) -> None:
    """Acknowledge, with `reason`, the IAM5 findings CDK's own grants raise under `scope`, and
    those of statements that name their resources by one of `name_prefixes` (`named_by`).

    Runs as an Aspect, when every grant of the app has been added (grants made by a pipeline to
    a project's role arrive after the project exists). Each acknowledgment names the grant whose
    shape the statement has. Real wildcards, and wildcards a person wrote, stay findings.
    """
    from aws_cdk import Aspects

    cdk_grant_shapes()  # asked of CDK now, not from inside the synthesis
    Aspects.of(scope).add(_AcknowledgeScopedGrants(reason, name_prefixes))


def acknowledge_managed_policy(role: iam.IRole, policy_name: str, reason: str) -> str:
    """Acknowledge AwsSolutions-IAM4 for one named AWS managed policy of `role`; returns the id.

    The id is computed from the role's synthesized ManagedPolicyArns, so a typo in the policy
    name raises here instead of silently acknowledging nothing.
    """
    cfn = role.node.default_child
    if not isinstance(cfn, iam.CfnRole):
        raise ValueError(f"{role.node.path} is not a role of this app")
    arns = [flatten(a) for a in _as_list(Stack.of(role).resolve(cfn.managed_policy_arns) or [])]
    matches = [a for a in arns if a.endswith(f":policy/{policy_name}") or a.endswith(f"/{policy_name}")]
    if not matches:
        raise ValueError(f"{role.node.path} has no AWS managed policy named {policy_name}")
    ack = nag_id("AwsSolutions-IAM4", f"Policy::{matches[0]}")
    Validations.of(role).acknowledge(Acknowledgment(id=ack, reason=reason))
    return ack


class DeployProject(Construct):
    """A CodeBuild project that publishes a function's code and moves its alias by itself,
    trusted by CodeBuild, allowed exactly that on one function.

    Least privilege for a role that calls Lambda. The course's pipeline has no such project: the
    function belongs to the application stack, and CloudFormation alone changes it, working as a
    `StackDeploymentRole` (below).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: lambda_.IFunction,
        alias: lambda_.IAlias,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description="Updates one function, publishes a version, moves its alias",
        )
        variables = {"FUNCTION_NAME": function.function_name, "ALIAS_NAME": alias.alias_name}
        self.project = NodeProject(
            self,
            "Project",
            build_spec=build_spec_for_alias_deploy(),
            role=self.role,
            encryption_key=encryption_key,
            environment_variables={
                k: codebuild.BuildEnvironmentVariable(value=v) for k, v in variables.items()
            },
        ).project
        self.role.add_to_policy(
            iam.PolicyStatement(actions=DEPLOY_FUNCTION_ACTIONS, resources=[function.function_arn])
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=DEPLOY_ALIAS_ACTIONS, resources=[function.function_arn, alias.function_arn]
            )
        )
        acknowledge_scoped_grants(
            self, reason="CDK grant to the deploy project, scoped to one resource of this stack"
        )


# What CloudFormation's handlers call to create, read, update and delete the application stack's
# resource types, per service, as AWS publishes them in each type's resource schema (`handlers`;
# tests/test_iam_least_privilege.py compares these lists with the schemas cfn-lint ships), less
# what serves features the stack does not use: VPC and file-system access, code signing, layers,
# provisioned concurrency, capacity providers, SnapStart, log delivery and data protection.
STACK_ACTIONS: dict[str, list[str]] = {
    "lambda": [
        "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction",
        "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion",
        "lambda:ListVersionsByFunction", "lambda:TagResource", "lambda:UntagResource",
        "lambda:GetRuntimeManagementConfig", "lambda:PutRuntimeManagementConfig",
        "lambda:GetFunctionCodeSigningConfig", "lambda:GetFunctionRecursionConfig",
        "lambda:PutFunctionRecursionConfig", "lambda:CreateAlias", "lambda:UpdateAlias",
        "lambda:DeleteAlias", "lambda:GetAlias",
    ],
    "iam": [
        "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole",
        "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole",
        "iam:UntagRole", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
        "iam:ListAttachedRolePolicies", "iam:PutRolePolicy", "iam:GetRolePolicy",
        "iam:DeleteRolePolicy", "iam:ListRolePolicies",
    ],
    "codedeploy": [
        "codedeploy:CreateApplication", "codedeploy:DeleteApplication",
        "codedeploy:GetApplication", "codedeploy:CreateDeploymentGroup",
        "codedeploy:UpdateDeploymentGroup", "codedeploy:DeleteDeploymentGroup",
        "codedeploy:GetDeploymentGroup", "codedeploy:CreateDeployment",
        "codedeploy:GetDeployment", "codedeploy:StopDeployment", "codedeploy:ListDeployments",
        "codedeploy:GetDeploymentConfig", "codedeploy:RegisterApplicationRevision",
        "codedeploy:GetApplicationRevision", "codedeploy:TagResource",
        "codedeploy:UntagResource", "codedeploy:ListTagsForResource",
    ],
    "cloudwatch": [
        "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms",
        "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource",
    ],
    "logs": [
        "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DescribeLogGroups",
        "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey",
        "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource",
        "logs:ListTagsForResource",
    ],
}


class StackDeploymentRole(Construct):
    """The role CloudFormation works as when the pipeline deploys one stack, `stack_name`.

    Trusted by CloudFormation only; allowed what CloudFormation needs for the stack's resource
    types (`STACK_ACTIONS`), on the resources it names after the stack
    (`<stack_name>-<LogicalId>-<random>`) and on the functions named in `function_names`; roles
    it may pass only to Lambda and CodeDeploy. Reading the pipeline's artifacts (the template,
    the package) the pipeline grants.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stack_name: str,
        function_names: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"),
            description=f"CloudFormation deploys stack {stack_name}: its resources, nothing else",
        )
        prefix = f"{stack_name}-"

        def arns(service: str, resource: str, names: Sequence[str], sep: str = ":") -> list[str]:
            return [
                stack.format_arn(service=service, resource=resource, resource_name=name,
                                 arn_format=ArnFormat.COLON_RESOURCE_NAME if sep == ":"
                                 else ArnFormat.SLASH_RESOURCE_NAME)
                for name in names
            ]

        functions = [f"{prefix}*", *function_names]
        resources = {
            "lambda": arns("lambda", "function", [*functions, *(f"{f}:*" for f in functions)]),
            "iam": [stack.format_arn(service="iam", region="", resource="role",
                                     resource_name=f"{prefix}*")],
            "codedeploy": [
                *arns("codedeploy", "application", [f"{prefix}*"]),
                *arns("codedeploy", "deploymentgroup", [f"{prefix}*/*"]),
                *arns("codedeploy", "deploymentconfig", ["CodeDeployDefault.*"]),
            ],
            "cloudwatch": arns("cloudwatch", "alarm", [f"{prefix}*"]),
            "logs": arns("logs", "log-group", [f"{prefix}*", f"{prefix}*:*"]),
        }
        for service, allowed in STACK_ACTIONS.items():
            self.role.add_to_policy(iam.PolicyStatement(actions=allowed,
                                                        resources=resources[service]))
        # The roles the stack makes are handed to Lambda (the functions') and CodeDeploy (the
        # deployment group's), and to nothing else.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=resources["iam"],
                conditions={"StringEquals": {"iam:PassedToService": [
                    "lambda.amazonaws.com", "codedeploy.amazonaws.com"]}},
            )
        )
        acknowledge_scoped_grants(
            self,
            reason=f"CloudFormation's role for stack {stack_name}, on that stack's resources",
            name_prefixes=[prefix, *function_names, "CodeDeployDefault."],
        )
