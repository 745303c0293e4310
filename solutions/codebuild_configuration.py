"""Scenario 04: CodeBuild projects that build, test and deploy a Node.js Lambda on Linux.

Every project runs on a current Amazon-managed Linux standard image, carries its buildspec inline
(so a missing buildspec.yml in the source cannot fail the build), pins the Node.js major version
to the Lambda runtime's, writes to a log group that expires, and encrypts with the given key.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from solutions.lambda_runtime import NODE_MAJOR  # the function's runtime decides the build's Node

BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0


def buildspec(phases: dict[str, list[str]], **sections: Any) -> codebuild.BuildSpec:
    """An inline buildspec (version 0.2) that installs the pinned Node.js major first."""
    spec: dict[str, Any] = {
        "version": "0.2",
        "phases": {
            "install": {
                "runtime-versions": {"nodejs": NODE_MAJOR},
                "commands": phases.get("install", ["npm ci"]),
            },
            **{name: {"commands": cmds} for name, cmds in phases.items() if name != "install"},
        },
        **sections,
    }
    return codebuild.BuildSpec.from_object(spec)


class NodeProject(Construct):
    """A CodeBuild project for a pipeline stage, with its own expiring, encrypted log group."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        build_spec: codebuild.BuildSpec,
        encryption_key: kms.IKey | None = None,
        environment_variables: dict[str, codebuild.BuildEnvironmentVariable] | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention,
            encryption_key=encryption_key,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            build_spec=build_spec,
            environment=codebuild.BuildEnvironment(
                build_image=BUILD_IMAGE,
                compute_type=codebuild.ComputeType.SMALL,
            ),
            environment_variables=environment_variables,
            encryption_key=encryption_key,
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)
            ),
        )


def build_spec_for_build() -> codebuild.BuildSpec:
    """Install production dependencies and package the function as function.zip."""
    return buildspec(
        {
            "install": ["npm ci --omit=dev"],
            "build": [
                "zip -qr function.zip package.json src",
                "if [ -d node_modules ]; then zip -qr function.zip node_modules; fi",
            ],
        },
        artifacts={"files": ["function.zip"]},
    )


def build_spec_for_tests() -> codebuild.BuildSpec:
    """Install all dependencies and run the unit tests; a failing test fails the action."""
    return buildspec({"install": ["npm ci"], "build": ["npm test"]})


def build_spec_for_deploy() -> codebuild.BuildSpec:
    """Publish function.zip as a new version and let CodeDeploy shift the live alias to it.

    The deployment group decides how traffic moves (canary, with rollback on alarm); waiting for
    the deployment makes a rolled-back release fail this action, so the stage rolls back too.
    """
    # AppSpec for a Lambda deployment: which alias moves, from which version to which.
    revision = (
        "node -e 'const [Name, Alias, CurrentVersion, TargetVersion] = process.argv.slice(1);"
        " const props = JSON.stringify({Name, Alias, CurrentVersion, TargetVersion});"
        " const content = `{\"version\": 0.0, \"Resources\": [{\"app\": {\"Type\":"
        " \"AWS::Lambda::Function\", \"Properties\": ${props}}}]}`;"
        " console.log(JSON.stringify({revisionType: \"AppSpecContent\", appSpecContent: {content}}))'"
        ' "$FUNCTION_NAME" "$ALIAS_NAME" "$CURRENT" "$TARGET" > revision.json'
    )
    return buildspec(
        {
            "install": ["aws --version"],
            "build": [
                'aws lambda update-function-code --function-name "$FUNCTION_NAME" '
                "--zip-file fileb://function.zip >/dev/null",
                'aws lambda wait function-updated-v2 --function-name "$FUNCTION_NAME"',
                'TARGET=$(aws lambda publish-version --function-name "$FUNCTION_NAME" '
                '--description "source version ${SOURCE_VERSION_ID:-unknown}" '
                "--query Version --output text)",
                'CURRENT=$(aws lambda get-alias --function-name "$FUNCTION_NAME" '
                '--name "$ALIAS_NAME" --query FunctionVersion --output text)',
                revision,
                'if [ "$CURRENT" = "$TARGET" ]; then echo "version $TARGET is already live"; else '
                'DEPLOYMENT=$(aws deploy create-deployment --application-name "$APPLICATION_NAME" '
                '--deployment-group-name "$DEPLOYMENT_GROUP_NAME" --revision file://revision.json '
                '--query deploymentId --output text) && '
                'aws deploy wait deployment-successful --deployment-id "$DEPLOYMENT"; fi',
            ],
        }
    )
