"""Exercise 02's answer: the promote job, trusted by CodeBuild, allowed to read and move one alias."""

from __future__ import annotations

from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from solutions.iam_least_privilege import acknowledge_scoped_grants
from solutions.versioning_and_rollback import ALIAS_NAME


def promote_spec() -> codebuild.BuildSpec:
    """Read the alias, then point it at the version the pipeline hands over."""
    return codebuild.BuildSpec.from_object({
        "version": "0.2",
        "phases": {"build": {"commands": [
            'aws lambda get-alias --function-name "$FUNCTION_NAME" --name "$ALIAS_NAME"',
            'aws lambda update-alias --function-name "$FUNCTION_NAME" --name "$ALIAS_NAME" '
            '--function-version "$TARGET_VERSION"',
        ]}},
    })


class PromoteProject(Construct):
    """A CodeBuild project that moves `alias` to a published version, and may do nothing more."""

    def __init__(self, scope: Construct, id: str, *, function: lambda_.IFunction,
                 alias: lambda_.IAlias) -> None:
        super().__init__(scope, id)
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
                        description="Reads and moves one function's alias")
        # The function's ARN, and the alias's: Lambda scopes alias actions to either.
        role.add_to_policy(iam.PolicyStatement(
            actions=["lambda:GetAlias", "lambda:UpdateAlias"],
            resources=[function.function_arn, alias.function_arn],
        ))
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            role=role,
            build_spec=promote_spec(),
            environment_variables={
                "FUNCTION_NAME": codebuild.BuildEnvironmentVariable(value=function.function_name),
                "ALIAS_NAME": codebuild.BuildEnvironmentVariable(value=ALIAS_NAME),
            },
        )
        # CDK's own grants to the project's role (its log group, its reports): scoped `*`.
        acknowledge_scoped_grants(self, reason="CDK grant to the promote project, scoped to its own logs")
