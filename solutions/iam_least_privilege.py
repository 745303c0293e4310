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
from collections.abc import Callable
from dataclasses import dataclass
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
from solutions.lambda_runtime import RUNTIME

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


def scoped_wildcards(statement: dict[str, Any]) -> list[str]:
    """The AwsSolutions-IAM5 findings of one statement that a CDK grant wrote.

    Only a statement CDK's own grants wrote qualifies (`grant_of`); then its narrow action
    wildcards (`s3:GetObject*`, never `s3:*` or `*`) and its resource wildcards (`<Bucket.Arn>/*`,
    `log-group:/aws/codebuild/<Project>:*`) are findings to acknowledge. The same wildcard written
    by hand stays a finding.
    """
    if grant_of(statement) is None:
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

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def visit(self, node: IConstruct) -> None:
        if not _grants_policy(node):
            return
        assert isinstance(node, iam.CfnPolicy)
        document = Stack.of(node).resolve(node.policy_document)
        acks: dict[str, str] = {}
        for statement in _as_list((document or {}).get("Statement", [])):
            for finding in scoped_wildcards(statement):
                ids = {i for r in _as_list(statement.get("Resource")) for i in _anchors(flatten(r))}
                where = ", ".join(sorted(ids))
                acks.setdefault(
                    nag_id("AwsSolutions-IAM5", finding),
                    f"{self.reason}: {grant_of(statement)} on {where}",
                )
        if acks:
            Validations.of(node).acknowledge(
                *(Acknowledgment(id=i, reason=r) for i, r in sorted(acks.items()))
            )


def acknowledge_scoped_grants(scope: IConstruct, reason: str) -> None:
    """Acknowledge, with `reason`, the IAM5 findings CDK's own grants raise under `scope`.

    Runs as an Aspect, when every grant of the app has been added (grants made by a pipeline to
    a project's role arrive after the project exists). Each acknowledgment names the grant whose
    shape the statement has. Real wildcards, and wildcards a person wrote, stay findings.
    """
    from aws_cdk import Aspects

    cdk_grant_shapes()  # asked of CDK now, not from inside the synthesis
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
