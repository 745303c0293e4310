"""Secure building blocks the corpus pipelines share, written without the course's solutions/.

Each block meets what the checks require of it: a customer-managed key, TLS-only versioned buckets,
log groups with a retention, alarms that notify an encrypted topic, tests with a report and a
coverage threshold, a scan, a function released by CodeDeploy with a hook and a rollback alarm.
What differs between the corpus pipelines is how they are put together.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

NODE = lambda_.Runtime.NODEJS_24_X
NODE_MAJOR = "24"
TESTS = [
    "npm ci",
    "node --test --test-reporter=junit --test-reporter-destination=reports/junit.xml "
    "--experimental-test-coverage --test-coverage-lines=80",
]
SCAN = ["npm ci", "npm audit --omit=dev --audit-level=high"]
HANDLER = "export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ ok: true }) });"
HOOK = (
    "import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from "
    "'@aws-sdk/client-codedeploy';\n"
    "const cd = new CodeDeployClient({});\n"
    "export const handler = async (event) => { await cd.send(new "
    "PutLifecycleEventHookExecutionStatusCommand({ deploymentId: event.DeploymentId, "
    "lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId, status: 'Succeeded' })); };"
)


def tag(scope: Construct, environment: str = "dev") -> None:
    Tags.of(scope).add("Project", "corpus")
    Tags.of(scope).add("Environment", environment)


def key(scope: Construct, id: str = "Key") -> kms.Key:
    k = kms.Key(scope, id, enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY)
    return k


def bucket(scope: Construct, id: str, key: kms.IKey, *, versioned: bool = False,
           enforce_ssl: bool = True) -> s3.Bucket:
    return s3.Bucket(
        scope, id,
        encryption=s3.BucketEncryption.KMS, encryption_key=key,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=enforce_ssl,
        versioned=versioned,
        lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))]
        if versioned else None,
        removal_policy=RemovalPolicy.DESTROY,
    )


def log_group(scope: Construct, id: str) -> logs.LogGroup:
    return logs.LogGroup(scope, id, retention=logs.RetentionDays.ONE_MONTH,
                         removal_policy=RemovalPolicy.DESTROY)


class Alerts(Construct):
    """An encrypted topic with a subscriber that alarms and rules may publish to."""

    def __init__(self, scope: Construct, id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, id)
        self.topic = sns.Topic(self, "Topic", master_key=key, enforce_ssl=True)
        self.topic.add_subscription(subscriptions.EmailSubscription("ops@example.com"))
        self.topic.grant_publish(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
        self.action = cw_actions.SnsAction(self.topic)

    def alarm(self, scope: Construct, id: str, metric: cloudwatch.IMetric) -> cloudwatch.Alarm:
        a = cloudwatch.Alarm(
            scope, id, metric=metric, threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        a.add_alarm_action(self.action)
        return a

    def watch_project(self, project: codebuild.IProject, name: str) -> None:
        self.alarm(self, f"{name}FailedBuilds", project.metric_failed_builds(statistic="Sum"))

    def watch_function(self, fn: lambda_.IFunction, name: str) -> None:
        self.alarm(self, f"{name}Errors", fn.metric_errors())
        self.alarm(self, f"{name}Throttles", fn.metric_throttles())

    def on_failure(self, pipeline: codepipeline.IPipeline, *, via: str = "events") -> None:
        """Notify the topic of the pipeline's FAILED executions."""
        if via == "events":
            pipeline.on_state_change(
                "Failed", target=targets.SnsTopic(self.topic),
                event_pattern=events.EventPattern(detail={"state": ["FAILED"]}),
            )
        else:
            pipeline.notify_on(
                "Failed", self.topic,
                events=[codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED],
            )


def project(scope: Construct, id: str, commands: list[str], *, key: kms.IKey, alerts: Alerts,
            reports: bool = False, artifacts: list[str] | None = None, privileged: bool = False,
            **kwargs: Any) -> codebuild.PipelineProject:
    """A CodeBuild project on a maintained Linux image, pinned to the functions' Node.js, with
    its own log group and a FailedBuilds alarm."""
    spec: dict[str, Any] = {
        "version": "0.2",
        "phases": {"install": {"runtime-versions": {"nodejs": NODE_MAJOR}},
                   "build": {"commands": commands}},
    }
    if reports:
        spec["reports"] = {"unit": {"files": ["junit.xml"], "base-directory": "reports",
                                    "file-format": "JUNITXML"}}
    if artifacts:
        spec["artifacts"] = {"files": artifacts}
    p = codebuild.PipelineProject(
        scope, id,
        build_spec=codebuild.BuildSpec.from_object(spec),
        environment=codebuild.BuildEnvironment(
            build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
            compute_type=codebuild.ComputeType.SMALL, privileged=privileged,
        ),
        encryption_key=key,
        logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(
            log_group=log_group(scope, f"{id}Logs"))),
        **kwargs,
    )
    alerts.watch_project(p, id)
    return p


class ReleasedFunction(Construct):
    """A function behind a live alias, shifted by CodeDeploy in a canary with a pre-traffic hook,
    rolled back by an alarm on the alias's errors."""

    def __init__(self, scope: Construct, id: str, *, alerts: Alerts, code: str = HANDLER,
                 managed_logs: bool = True, image: ecr.IRepository | None = None,
                 rollback_alarm: bool = True) -> None:
        super().__init__(scope, id)
        logs_group = log_group(self, "Logs") if managed_logs else None
        if image is None:
            self.function: lambda_.Function = lambda_.Function(
                self, "Function", runtime=NODE, handler="index.handler",
                code=lambda_.Code.from_inline(code), log_group=logs_group,
            )
        else:
            self.function = lambda_.DockerImageFunction(
                self, "Function", code=lambda_.DockerImageCode.from_ecr(image, tag_or_digest="live"),
                log_group=logs_group,
            )
        alerts.watch_function(self.function, id)
        self.alias = lambda_.Alias(self, "Live", alias_name="live",
                                   version=self.function.current_version)
        hook = lambda_.Function(
            self, "PreTraffic", runtime=NODE, handler="index.handler",
            code=lambda_.Code.from_inline(HOOK), log_group=log_group(self, "HookLogs"),
        )
        self.group = codedeploy.LambdaDeploymentGroup(
            self, "Deployment", alias=self.alias,
            deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
            alarms=[alerts.alarm(self, "AliasErrors", self.alias.metric_errors())]
            if rollback_alarm else None,
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=rollback_alarm),
            pre_hook=hook,
        )


def deploy_role_statements(fn: lambda_.IFunction, alias: lambda_.Alias,
                           group: codedeploy.ILambdaDeploymentGroup) -> list[iam.PolicyStatement]:
    """What a deploy step needs: new code and versions for the function, a CodeDeploy deployment."""
    return [
        iam.PolicyStatement(
            actions=["lambda:UpdateFunctionCode", "lambda:PublishVersion", "lambda:GetAlias",
                     "lambda:GetFunctionConfiguration"],
            resources=[fn.function_arn, alias.function_arn]),
        iam.PolicyStatement(
            actions=["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
            resources=[group.deployment_group_arn]),
        iam.PolicyStatement(
            actions=["codedeploy:GetDeploymentConfig"],
            resources=[Stack.of(fn).format_arn(
                service="codedeploy", resource="deploymentconfig",
                resource_name=group.deployment_config.deployment_config_name,
                arn_format=ArnFormat.COLON_RESOURCE_NAME)]),
    ]
