"""Scenario 04: CodeBuild projects that build and test a Node.js Lambda on Linux, and synthesize
its stack.

Every project runs on a current Amazon-managed Linux standard image (Lambda runs the package on
Amazon Linux), on the smallest compute type that fits an `npm ci` (BUILD_GENERAL1_SMALL: 2 vCPUs,
up to 4 GiB), carries its buildspec inline (so a missing buildspec.yml in the source cannot fail
the build), pins the Node.js major version to the Lambda runtime's, declares the artifacts the
later stages need (the package, the template), writes to a log group that expires, and encrypts
with the given key.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from solutions.lambda_runtime import APP_DIR, NODE_MAJOR  # the function decides the build's Node

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


# The artifacts the Build stage hands on, by name: what the later stages read.
PACKAGE = "Package"  # the function as it ships (and as the Test stage tests it)
TEMPLATE = "Template"  # the application stack's CloudFormation template
# What ships of the function's folder: its code, its tests (so the Test stage runs them against
# these very files; they never run in Lambda), its manifest and lockfile (for the scan's audit)
# and its production dependencies. Not the lint script, not local installs of dev tools.
PACKAGE_FILES = ["package.json", "package-lock.json", "src/**/*", "test/**/*", "node_modules/**/*"]


def build_spec_for_build() -> codebuild.BuildSpec:
    """Install the function's production dependencies, check its syntax, and hand its folder on
    as the Package artifact: the zip CloudFormation gives Lambda, byte for byte.

    The source is the repository (the CDK app at the root, the function in `lambda_src/`), so
    every command names the function's folder.
    """
    return buildspec(
        {
            "install": [f"npm --prefix {APP_DIR} ci --omit=dev"],
            "pre_build": [f"npm --prefix {APP_DIR} run lint"],  # fail before anything ships
        },
        artifacts={"base-directory": APP_DIR, "files": PACKAGE_FILES},
    )


def build_spec_for_synth(stack_name: str) -> codebuild.BuildSpec:
    """Synthesize the application stack from the same source revision: its template is the
    Template artifact the Deploy stage hands to CloudFormation.

    A CodeBuild image has Node.js and Python but no CDK: the install phase adds the pinned CDK
    CLI (`npm ci`, package-lock.json) and libraries (requirements-build.txt), unless the image
    already has them (a custom image, or the local AWS's builds, which run with the course's own).
    cdk-nag runs in the synth (`-c nag=true`): an unacknowledged finding fails the build. The
    source object's version id (SOURCE_VERSION_ID, from the pipeline) goes into the template, so
    every Lambda version says which upload it was built from.
    """
    return buildspec(
        {
            "install": [
                "command -v cdk >/dev/null || npm ci",
                install_unless_present(
                    ["aws_cdk", "cdk_nag"],
                    "python3 -m pip install --quiet -r requirements-build.txt"),
            ],
            "build": [
                'export PATH="$PWD/node_modules/.bin:$PATH"',
                f"cdk synth {stack_name} --quiet -c nag=true "
                '-c sourceVersion="$SOURCE_VERSION_ID" --output cdk.out',
            ],
        },
        # The template, and the manifest that says which account and region it was made for.
        artifacts={"base-directory": "cdk.out",
                   "files": [f"{stack_name}.template.json", "manifest.json"]},
    )


def install_unless_present(modules: list[str], command: str) -> str:
    """A shell command that runs `command` unless Python finds `modules` already (found, not
    imported: importing aws_cdk alone takes seconds)."""
    names = ", ".join(repr(m) for m in modules)
    return (f'python3 -c "import importlib.util as u, sys; '
            f'sys.exit(not all(u.find_spec(m) for m in ({names},)))" || {command}')


def build_spec_for_tests() -> codebuild.BuildSpec:
    """Install all dependencies and run the unit tests; a failing test fails the action."""
    return buildspec({"install": ["npm ci"], "build": ["npm test"]})


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


def build_spec_for_alias_deploy() -> codebuild.BuildSpec:
    """Publish function.zip as a new version and point the alias at it at once (no CodeDeploy).

    Scenario 02's example of a role that calls Lambda. The course's pipeline never does this: the
    function, its versions and its alias belong to the application stack, and only CloudFormation
    changes them (`solutions.incomplete_pipeline_stages.DeliveryPipeline`).
    """
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
    """The Build stage's project: install and check on Linux, hand the package on."""

    def __init__(
        self, scope: Construct, id: str, *, encryption_key: kms.IKey | None = None
    ) -> None:
        super().__init__(scope, id, build_spec=build_spec_for_build(), encryption_key=encryption_key)
