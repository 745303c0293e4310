"""Scenario 11: encryption the services can actually use, secrets out of plain configuration, and
a scan that stops the pipeline.

One customer-managed key, rotated every year, encrypts the pipeline's artifacts, the source, the
build logs and the alerts topic. A key policy is the only thing that lets an AWS service use a key:
CloudWatch Logs needs its own statement, which CDK does not add for an encrypted log group, so
`PipelineKey` writes it. Buckets and topics refuse plain HTTP and public access. Secrets reach a
build from Secrets Manager or an SSM SecureString parameter, never as a plain environment
variable, and builds run unprivileged. A scan stage before the deploy stage fails the pipeline
when a dependency of the package that ships has a known vulnerability, or the template that
deploys has a finding.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from solutions.codebuild_configuration import (
    PACKAGE,
    TEMPLATE,
    NodeProject,
    buildspec,
    install_unless_present,
)
from solutions.lambda_runtime import APP_DIR


class PipelineKey(Construct):
    """A customer-managed KMS key, rotated yearly, that CloudWatch Logs may use in this account."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description="Pipeline artifacts, source, build logs and alerts",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,  # data encrypted with it outlives the stack
        )
        # CloudWatch Logs calls KMS as its regional service principal. Without this statement the
        # log group cannot be created; the condition limits the key to this account's log groups.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogs",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )


class ArtifactsBucket(Construct):
    """The pipeline's artifact store: encrypted with the pipeline key, private, TLS-only, expiring."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        encryption_key: kms.IKey,
        access_logs: s3.IBucket | None = None,
        keep_days: int = 30,
    ) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=encryption_key,
            bucket_key_enabled=True,  # one data key per bucket, not one KMS call per object
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="artifacts/" if access_logs else None,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireOldArtifacts",
                    expiration=Duration.days(keep_days),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )


def secret_env(secret_name: str, json_key: str | None = None) -> codebuild.BuildEnvironmentVariable:
    """A build variable CodeBuild reads from Secrets Manager when the build starts.

    The template holds only the secret's name; CDK grants the project's role read access to it.
    """
    value = f"{secret_name}:{json_key}" if json_key else secret_name
    return codebuild.BuildEnvironmentVariable(
        value=value, type=codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER
    )


def build_spec_for_security_scan(
    *, cdk_app: bool = False, template: bool = False
) -> codebuild.BuildSpec:
    """Audit the package's dependencies; with `template`, also check the template that deploys;
    with `cdk_app`, synthesize and check the whole CDK app instead.

    Every command exits non-zero on a finding, so a finding fails the build and the pipeline.
    The default audits the primary input: the package the Build stage made (its lockfile). With
    `template`, the primary input is the repository (for the checker and its pinned
    requirements), and the package and the template come in as the pipeline's `Package` and
    `Template` artifacts (the template with the synth's manifest, which says the account and
    region it was synthesized for). `cdk_app=True` is for a pipeline without a synth of its own: the source
    archive is the whole repository, and the scan synthesizes it.
    """
    if template:
        return buildspec(
            {
                # A CodeBuild image lacks cfn-lint and the checker's libraries: install the pinned
                # ones, unless the image has them (the local AWS's builds do).
                "install": [install_unless_present(
                    ["cfnlint", "yaml"], "python3 -m pip install --quiet -r requirements-build.txt")],
                "build": [
                    # cfn-lint and the course's checks on the template CloudFormation will get.
                    f'python3 -m pitfalls check "$CODEBUILD_SRC_DIR_{TEMPLATE}" --cfn-lint',
                    # High and critical advisories in what ships; dev tools do not ship.
                    f'npm --prefix "$CODEBUILD_SRC_DIR_{PACKAGE}" audit --omit=dev '
                    "--audit-level=high",
                ],
            }
        )
    if not cdk_app:
        return buildspec(
            {
                "install": ["npm ci"],
                # High and critical advisories in what ships; dev tools do not ship.
                "build": ["npm audit --omit=dev --audit-level=high"],
            }
        )
    return buildspec(
        {
            "install": [
                "npm ci",  # the pinned CDK CLI
                "python -m pip install --quiet .",  # aws-cdk-lib, cdk-nag, cfn-lint, the checker
            ],
            "build": [
                # The app registers cdk-nag when asked: an unacknowledged finding fails the synth.
                "npx cdk synth --quiet -c nag=true",
                # cfn-lint and the course's checks on every synthesized template.
                "python -m pitfalls check cdk.out --cfn-lint",
                f"npm --prefix {APP_DIR} ci",
                f"npm --prefix {APP_DIR} audit --omit=dev --audit-level=high",
            ],
        }
    )


class SecurityScan(Construct):
    """A scan project, and a stage that runs it before the deploy stage.

    `template`: check the Build stage's Template artifact too (the course's pipeline); without it
    the scan audits the package (or, with `cdk_app`, the whole repository).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        encryption_key: kms.IKey | None = None,
        cdk_app: bool = False,
        template: bool = False,
    ) -> None:
        super().__init__(scope, id)
        self.template = template
        self.project = NodeProject(
            self,
            "Scan",
            build_spec=build_spec_for_security_scan(cdk_app=cdk_app, template=template),
            encryption_key=encryption_key,
        ).project

    def add_to(self, pipeline: codepipeline.Pipeline, *, before: str = "Deploy") -> None:
        """Insert a `SecurityScan` stage right before stage `before` that scans what the Build
        stage made (the package, and the template when the project checks one), or the source
        when the pipeline builds no package."""
        source = pipeline.stage("Source").actions[0].action_properties.outputs
        if not source:
            raise ValueError("the pipeline's Source stage produces no artifact to scan")
        built = {
            o.artifact_name: o
            for a in pipeline.stage("Build").actions
            for o in a.action_properties.outputs or []
        } if any(s.stage_name == "Build" for s in pipeline.stages) else {}
        if self.template:
            if PACKAGE not in built or TEMPLATE not in built:
                raise ValueError(f"the pipeline's Build stage makes no {PACKAGE} and {TEMPLATE}")
            primary, extra = source[0], [built[PACKAGE], built[TEMPLATE]]
        else:
            primary, extra = built.get(PACKAGE, source[0]), []
        pipeline.add_stage(
            stage_name="SecurityScan",
            placement=codepipeline.StagePlacement(right_before=pipeline.stage(before)),
            actions=[
                actions.CodeBuildAction(
                    action_name="Scan",
                    type=actions.CodeBuildActionType.TEST,
                    project=self.project,
                    input=primary,
                    extra_inputs=extra or None,
                )
            ],
        )
