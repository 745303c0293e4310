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
only scoped wildcards qualify: `*` alone, `service:*` and Resource `"*"` are never acknowledged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import Acknowledgment, ArnFormat, IAspect, Stack, Validations
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct, IConstruct

from solutions.codebuild_configuration import NodeProject, build_spec_for_alias_deploy

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


def _named(resource: str, prefixes: Sequence[str]) -> str | None:
    """The name prefix that scopes `resource` (its first `*` comes right after one, or after the
    one name and a separator: `function:name:*`, a function's versions), if any."""
    head = resource.split("*", 1)[0]
    return next((p for p in prefixes if p and (
        head.endswith(p) or (head[-1:] in (":", "/") and head[:-1].endswith(p)))), None)


def scoped_wildcards(statement: dict[str, Any], name_prefixes: Sequence[str] = ()) -> list[str]:
    """The AwsSolutions-IAM5 findings of one statement that are scoped wildcards.

    A statement qualifies only when every resource it names is anchored to a resource of the
    stack, or named by one of `name_prefixes` (the resources CloudFormation names after one
    stack, `function:MyStack-*`); then its narrow action wildcards (`s3:GetObject*`, never
    `s3:*` or `*`) and its resource wildcards (`<Bucket.Arn>/*`,
    `log-group:/aws/codebuild/<Project>:*`) are scoped.
    """
    if statement.get("Effect") != "Allow" or "NotAction" in statement:
        return []
    resources = [flatten(r) for r in _as_list(statement.get("Resource", []))]
    if not resources or not all(
        r != "*" and (_anchors(r) or _named(r, name_prefixes)) for r in resources
    ):
        return []
    found = [
        f"Action::{a}"
        for a in _as_list(statement.get("Action", []))
        if isinstance(a, str) and "*" in a and a != "*" and not a.endswith(":*")
    ]
    found += [f"Resource::{r}" for r in resources if "*" in r]
    return found


@jsii.implements(IAspect)
class _AcknowledgeScopedGrants:
    """Acknowledge the scoped IAM5 findings of every identity policy under a scope."""

    def __init__(self, reason: str, name_prefixes: Sequence[str]) -> None:
        self.reason = reason
        self.name_prefixes = tuple(name_prefixes)

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, (iam.CfnPolicy, iam.CfnManagedPolicy)):
            return
        document = Stack.of(node).resolve(node.policy_document)
        acks: dict[str, str] = {}
        for statement in _as_list((document or {}).get("Statement", [])):
            for finding in scoped_wildcards(statement, self.name_prefixes):
                flat = [flatten(r) for r in _as_list(statement.get("Resource"))]
                ids = {i for r in flat for i in _anchors(r)}
                ids |= {f"{n}*" for r in flat if (n := _named(r, self.name_prefixes))}
                where = ", ".join(sorted(ids))
                acks.setdefault(
                    nag_id("AwsSolutions-IAM5", finding), f"{self.reason} (limited to {where})"
                )
        if acks:
            Validations.of(node).acknowledge(
                *(Acknowledgment(id=i, reason=r) for i, r in sorted(acks.items()))
            )


def acknowledge_scoped_grants(
    scope: IConstruct, reason: str, *, name_prefixes: Sequence[str] = ()
) -> None:
    """Acknowledge, with `reason`, the IAM5 findings CDK's scoped grants raise under `scope`,
    and those of statements scoped by `name_prefixes` (see `scoped_wildcards`).

    Runs as an Aspect, when every grant of the app has been added (grants made by a pipeline to
    a project's role arrive after the project exists). Real wildcards stay findings.
    """
    from aws_cdk import Aspects

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
