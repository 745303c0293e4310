"""Scenario 02: every role trusts the right service and may do exactly its job.

The deploy stage's CodeBuild project gets a role that CodeBuild (and only CodeBuild) can assume,
allowed to update, publish and re-point one function, nothing else. Everything else is granted
with CDK's grants, which scope each permission to one resource of the stack.

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
from typing import Any

import jsii
from aws_cdk import Acknowledgment, IAspect, Stack, Validations
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct, IConstruct

from solutions.codebuild_configuration import (
    NodeProject,
    build_spec_for_alias_deploy,
    build_spec_for_deploy,
)

NAG_PACK = "AwsSolutions"  # cdk-nag's plugin name: the namespace CDK matches acknowledgments in

# What the deploy buildspecs call: update the code, wait for it, publish a version, then either
# move the alias (no deployment group) or read it and let CodeDeploy move it.
DEPLOY_FUNCTION_ACTIONS = [
    "lambda:GetFunction",  # `aws lambda wait function-updated-v2` polls GetFunction
    "lambda:UpdateFunctionCode",
    "lambda:PublishVersion",
]
DEPLOY_ALIAS_ACTIONS = ["lambda:UpdateAlias"]
CODEDEPLOY_ALIAS_ACTIONS = ["lambda:GetAlias"]


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


def scoped_wildcards(statement: dict[str, Any]) -> list[str]:
    """The AwsSolutions-IAM5 findings of one statement that are scoped wildcards.

    A statement qualifies only when every resource it names is anchored to a resource of the
    stack; then its narrow action wildcards (`s3:GetObject*`, never `s3:*` or `*`) and its
    resource wildcards (`<Bucket.Arn>/*`, `log-group:/aws/codebuild/<Project>:*`) are scoped.
    """
    if statement.get("Effect") != "Allow" or "NotAction" in statement:
        return []
    resources = [flatten(r) for r in _as_list(statement.get("Resource", []))]
    if not resources or not all(r != "*" and _anchors(r) for r in resources):
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

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, (iam.CfnPolicy, iam.CfnManagedPolicy)):
            return
        document = Stack.of(node).resolve(node.policy_document)
        acks: dict[str, str] = {}
        for statement in _as_list((document or {}).get("Statement", [])):
            for finding in scoped_wildcards(statement):
                ids = {i for r in _as_list(statement.get("Resource")) for i in _anchors(flatten(r))}
                where = ", ".join(sorted(ids))
                acks.setdefault(
                    nag_id("AwsSolutions-IAM5", finding), f"{self.reason} (limited to {where})"
                )
        if acks:
            Validations.of(node).acknowledge(
                *(Acknowledgment(id=i, reason=r) for i, r in sorted(acks.items()))
            )


def acknowledge_scoped_grants(scope: IConstruct, reason: str) -> None:
    """Acknowledge, with `reason`, the IAM5 findings CDK's scoped grants raise under `scope`.

    Runs as an Aspect, when every grant of the app has been added (grants made by a pipeline to
    a project's role arrive after the project exists). Real wildcards stay findings.
    """
    from aws_cdk import Aspects

    Aspects.of(scope).add(_AcknowledgeScopedGrants(reason))


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
    """The deploy stage's CodeBuild project, trusted by CodeBuild, allowed exactly the deploy.

    With a deployment group, the project publishes a version and lets CodeDeploy shift the alias
    to it (scenario 08); without one, it moves the alias itself.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: lambda_.IFunction,
        alias: lambda_.IAlias,
        deployment_group: codedeploy.ILambdaDeploymentGroup | None = None,
        pre_traffic_hook: lambda_.IFunction | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description="Deploy stage: updates one function, publishes a version, moves its alias",
        )
        variables = {"FUNCTION_NAME": function.function_name, "ALIAS_NAME": alias.alias_name}
        if deployment_group is not None:
            variables |= {
                "APPLICATION_NAME": deployment_group.application.application_name,
                "DEPLOYMENT_GROUP_NAME": deployment_group.deployment_group_name,
                "PRE_TRAFFIC_HOOK": pre_traffic_hook.function_name if pre_traffic_hook else "",
            }
        self.project = NodeProject(
            self,
            "Project",
            build_spec=build_spec_for_deploy() if deployment_group else build_spec_for_alias_deploy(),
            role=self.role,
            encryption_key=encryption_key,
            environment_variables={
                k: codebuild.BuildEnvironmentVariable(value=v) for k, v in variables.items()
            },
        ).project
        self.role.add_to_policy(
            iam.PolicyStatement(actions=DEPLOY_FUNCTION_ACTIONS, resources=[function.function_arn])
        )
        alias_actions = CODEDEPLOY_ALIAS_ACTIONS if deployment_group else DEPLOY_ALIAS_ACTIONS
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=alias_actions, resources=[function.function_arn, alias.function_arn]
            )
        )
        if deployment_group is not None:
            self._allow_codedeploy(deployment_group)
        acknowledge_scoped_grants(
            self, reason="CDK grant to the deploy project, scoped to one resource of this stack"
        )

    def _allow_codedeploy(self, group: codedeploy.ILambdaDeploymentGroup) -> None:
        """Start and watch deployments of this one group, nothing else."""
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
                resources=[group.deployment_group_arn],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["codedeploy:GetDeploymentConfig"],
                resources=[group.deployment_config.deployment_config_arn],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "codedeploy:RegisterApplicationRevision",
                    "codedeploy:GetApplicationRevision",
                ],
                resources=[group.application.application_arn],
            )
        )
