"""Scenario 04: CodeBuild projects that build, test and deploy a Node.js Lambda on Linux.

Every project runs on a current Amazon-managed Linux standard image (Lambda runs the package on
Amazon Linux), on the smallest compute type that fits an `npm ci` (BUILD_GENERAL1_SMALL: 2 vCPUs,
up to 4 GiB), carries its buildspec inline (so a missing buildspec.yml in the source cannot fail
the build), pins the Node.js major version to the Lambda runtime's, declares the artifact the
next stage needs, writes to a log group that expires, and encrypts with the given key.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from solutions.lambda_runtime import NODE_MAJOR  # the function's runtime decides the build's Node

# Ubuntu standard 7.0 offers `runtime-versions: nodejs: 24` (aws-codebuild-docker-images #810).
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
COMPUTE_TYPE = codebuild.ComputeType.SMALL


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
        role: iam.IRole | None = None,
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
                compute_type=COMPUTE_TYPE,
            ),
            environment_variables=environment_variables,
            encryption_key=encryption_key,
            role=role,
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)
            ),
        )


def build_spec_for_build() -> codebuild.BuildSpec:
    """Install production dependencies, check the syntax, package the function as function.zip."""
    return buildspec(
        {
            "install": ["npm ci --omit=dev"],
            "pre_build": ["npm run lint"],  # lambda_src's syntax check: fail before packaging
            "build": [
                "zip -qr function.zip package.json src",
                "if [ -d node_modules ]; then zip -qr function.zip node_modules; fi",
            ],
        },
        artifacts={"files": ["function.zip"]},  # the Package artifact the deploy stage reads
    )


def build_spec_for_tests() -> codebuild.BuildSpec:
    """Install all dependencies and run the unit tests; a failing test fails the action."""
    return buildspec({"install": ["npm ci"], "build": ["npm test"]})


# Writes deployment.json, the CreateDeployment request for a Lambda AppSpec: which alias moves,
# from which version to which, with the pre-traffic hook when PRE_TRAFFIC_HOOK names one. The
# AppSpec version must read 0.0, which JSON.stringify of a number would write as 0, so it is
# spliced in as text.
APPSPEC_WRITER = (
    "node -e 'const e = process.env; "
    "const spec = { Resources: [{ app: { Type: \"AWS::Lambda::Function\", "
    "Properties: { Name: e.FUNCTION_NAME, Alias: e.ALIAS_NAME, "
    "CurrentVersion: e.CURRENT_VERSION, TargetVersion: e.TARGET_VERSION } } }] }; "
    "if (e.PRE_TRAFFIC_HOOK) spec.Hooks = [{ BeforeAllowTraffic: e.PRE_TRAFFIC_HOOK }]; "
    "const content = \"{\\\"version\\\": 0.0, \" + JSON.stringify(spec).slice(1); "
    "console.log(JSON.stringify({ applicationName: e.APPLICATION_NAME, "
    "deploymentGroupName: e.DEPLOYMENT_GROUP_NAME, revision: { revisionType: \"AppSpecContent\", "
    "appSpecContent: { content } } }))' > deployment.json"
)


def _publish_version() -> list[str]:
    """Upload function.zip, wait for the update, publish it as TARGET_VERSION."""
    return [
        'aws lambda update-function-code --function-name "$FUNCTION_NAME" '
        "--zip-file fileb://function.zip >/dev/null",
        'aws lambda wait function-updated-v2 --function-name "$FUNCTION_NAME"',
        'TARGET_VERSION=$(aws lambda publish-version --function-name "$FUNCTION_NAME" '
        '--description "source version ${SOURCE_VERSION_ID:-unknown}" '
        "--query Version --output text)",
    ]


def build_spec_for_deploy() -> codebuild.BuildSpec:
    """Publish function.zip as a new version and let CodeDeploy shift the live alias to it.

    The deployment group decides how traffic moves (canary, rollback on alarm) and runs the
    pre-traffic hook; waiting for the deployment makes a rolled-back release fail this action, so
    the stage rolls back too. Project variables: FUNCTION_NAME, ALIAS_NAME, APPLICATION_NAME,
    DEPLOYMENT_GROUP_NAME, PRE_TRAFFIC_HOOK (may be empty).
    """
    return buildspec(
        {
            "install": ["aws --version"],
            "build": [
                *_publish_version(),
                'CURRENT_VERSION=$(aws lambda get-alias --function-name "$FUNCTION_NAME" '
                '--name "$ALIAS_NAME" --query FunctionVersion --output text)',
                'TARGET_VERSION="$TARGET_VERSION" CURRENT_VERSION="$CURRENT_VERSION" '
                + APPSPEC_WRITER,
                'if [ "$CURRENT_VERSION" = "$TARGET_VERSION" ]; then '
                'echo "version $TARGET_VERSION is already live"; else '
                "DEPLOYMENT_ID=$(aws deploy create-deployment --cli-input-json "
                "file://deployment.json --query deploymentId --output text) && "
                'aws deploy wait deployment-successful --deployment-id "$DEPLOYMENT_ID"; fi',
            ],
        }
    )


def build_spec_for_alias_deploy() -> codebuild.BuildSpec:
    """Publish function.zip as a new version and point the alias at it at once (no CodeDeploy)."""
    return buildspec(
        {
            "install": ["aws --version"],
            "build": [
                *_publish_version(),
                'aws lambda update-alias --function-name "$FUNCTION_NAME" '
                '--name "$ALIAS_NAME" --function-version "$TARGET_VERSION"',
            ],
        }
    )


class BuildProject(NodeProject):
    """The Build stage's project: install and package on Linux, hand function.zip to the deploy."""

    def __init__(
        self, scope: Construct, id: str, *, encryption_key: kms.IKey | None = None
    ) -> None:
        super().__init__(scope, id, build_spec=build_spec_for_build(), encryption_key=encryption_key)
