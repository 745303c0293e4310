"""Scenario 10: the delivery app as small typed constructs, one per concern, composed by a stack.

CDK v2 imports only: `aws_cdk` (the one package, aws-cdk-lib) and `constructs`. Each construct
takes a frozen props dataclass, so a misspelt or mistyped prop fails in the type checker and at
construction, never in a template; each is small enough to unit-test alone with
`aws_cdk.assertions` (tests/test_cdk_code_errors.py). No escape hatches: every setting is a typed
prop of an L2 construct.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from solutions.codebuild_configuration import BUILD_IMAGE, build_spec_for_build
from solutions.lambda_runtime import APP_SOURCE, RUNTIME
from solutions.versioning_and_rollback import ALIAS_NAME


@dataclass(frozen=True)
class SourceProps:
    """How long superseded uploads are kept (the reach of a rollback)."""

    keep_old_versions_days: int = 30


class SourceStore(Construct):
    """Storage: the versioned, private, TLS-only bucket the pipeline takes its source from."""

    def __init__(self, scope: Construct, id: str, props: SourceProps) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            versioned=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(props.keep_old_versions_days)
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )


@dataclass(frozen=True)
class BuildProps:
    """What the build runs, with which variables, for how long at most."""

    build_spec: codebuild.BuildSpec
    environment_variables: Mapping[str, str] = field(default_factory=dict)
    timeout_minutes: int = 15
    queued_timeout_minutes: int = 30


class BuildProject(Construct):
    """Build: a CodeBuild project on the pinned Amazon Linux standard image, logging to a log
    group that expires."""

    def __init__(self, scope: Construct, id: str, props: BuildProps) -> None:
        super().__init__(scope, id)
        self.log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            build_spec=props.build_spec,
            environment=codebuild.BuildEnvironment(
                build_image=BUILD_IMAGE, compute_type=codebuild.ComputeType.SMALL
            ),
            environment_variables={
                name: codebuild.BuildEnvironmentVariable(value=value)
                for name, value in props.environment_variables.items()
            },
            timeout=Duration.minutes(props.timeout_minutes),
            queued_timeout=Duration.minutes(props.queued_timeout_minutes),  # a typed prop
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)
            ),
        )


@dataclass(frozen=True)
class FunctionProps:
    """The stage the function runs in, its code, and its size."""

    stage: str
    code_dir: Path = APP_SOURCE
    memory_mb: int = 256
    timeout_seconds: int = 10


class AppFunction(Construct):
    """Application: the Node.js function, traced, published as versions behind a `live` alias."""

    def __init__(self, scope: Construct, id: str, props: FunctionProps) -> None:
        super().__init__(scope, id)
        self.log_group = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_MONTH)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            handler="src/index.handler",
            code=lambda_.Code.from_asset(
                str(props.code_dir), exclude=["test", "node_modules", "coverage", "*.zip"]
            ),
            memory_size=props.memory_mb,
            timeout=Duration.seconds(props.timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            environment={"APP_STAGE": props.stage},
            log_group=self.log_group,
        )
        self.alias = lambda_.Alias(
            self, "Alias", alias_name=ALIAS_NAME, version=self.function.current_version
        )


@dataclass(frozen=True)
class AlertsProps:
    """Whose failures to report, and to whom."""

    projects: Sequence[codebuild.IProject]
    emails: Sequence[str] = ()


class FailureAlerts(Construct):
    """Alerts: an SNS topic, and an EventBridge rule that sends it every failed build."""

    def __init__(self, scope: Construct, id: str, props: AlertsProps) -> None:
        super().__init__(scope, id)
        self.topic = sns.Topic(self, "Topic", enforce_ssl=True)
        for email in props.emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.rule = events.Rule(
            self,
            "BuildFailed",
            event_pattern=events.EventPattern(
                source=["aws.codebuild"],
                detail_type=["CodeBuild Build State Change"],
                detail={
                    "build-status": ["FAILED"],
                    "project-name": [p.project_name for p in props.projects],
                },
            ),
            targets=[targets.SnsTopic(self.topic)],
        )


@dataclass(frozen=True)
class DeliveryAppProps:
    """Everything that differs between deployments of the app; nothing else is a parameter."""

    stage: str
    alert_emails: Sequence[str] = ()
    code_dir: Path = APP_SOURCE


class DeliveryApp(Construct):
    """The four concerns, composed: each wire between them is a typed reference."""

    def __init__(self, scope: Construct, id: str, props: DeliveryAppProps) -> None:
        super().__init__(scope, id)
        self.source = SourceStore(self, "Source", SourceProps())
        self.app = AppFunction(
            self, "App", FunctionProps(stage=props.stage, code_dir=props.code_dir)
        )
        self.build = BuildProject(
            self,
            "Build",
            BuildProps(
                build_spec=build_spec_for_build(),
                environment_variables={"APP_STAGE": props.stage},
            ),
        )
        self.alerts = FailureAlerts(
            self, "Alerts", AlertsProps(projects=[self.build.project], emails=props.alert_emails)
        )
        self.source.bucket.grant_read(self.build.project)


class DeliveryStack(Stack):
    """A stack is where the app is deployed; what is in it lives in DeliveryApp."""

    def __init__(self, scope: Construct, id: str, *, props: DeliveryAppProps, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.delivery = DeliveryApp(self, "Delivery", props)
