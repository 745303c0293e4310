"""Scenario 12: logs that expire, alarms someone hears, an audit trail, one place to look.

Every log group the pipeline writes to is created by the stack with a retention (the CodeBuild and
Lambda constructs of scenarios 04 and 05 do it), so nothing is kept, and billed, for ever. Alarms
on failed builds and on the function's errors and throttles publish to the alerts topic (the
function's live with the function: `FunctionAlarms`, in the stack that owns it). A
CloudTrail trail records who wrote to the source bucket, validates and encrypts its log files; the
same data events are what an S3 source action with `S3Trigger.EVENTS` needs to start the pipeline.
A dashboard shows the builds, the function and the alarms together.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct


class AccessLogsBucket(Construct):
    """The destination of the S3 server access logs of the pipeline's buckets."""

    def __init__(self, scope: Construct, id: str, *, keep_days: int = 90) -> None:
        super().__init__(scope, id)
        # S3 may deliver the logs through a bucket policy (what AWS recommends, with ACLs off) or
        # through the legacy log-delivery ACL. CDK picks the policy under this feature flag, on in
        # new CDK projects; set here, it holds for this bucket whatever the app's cdk.json says.
        self.node.set_context("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", True)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="ExpireAccessLogs", expiration=Duration.days(keep_days))],
            removal_policy=RemovalPolicy.RETAIN,
        )


class AuditTrail(Construct):
    """A trail of every write to the source bucket, with validated, encrypted log files."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source_bucket: s3.IBucket,
        encryption_key: kms.IKey,
        access_logs: s3.IBucket | None = None,
        keep_days: int = 365,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.bucket = s3.Bucket(
            self,
            "Logs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # CloudTrail encrypts each file with the key
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="audit-trail/" if access_logs else None,
            lifecycle_rules=[s3.LifecycleRule(id="ExpireTrail", expiration=Duration.days(keep_days))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        # CloudTrail encrypts log files as its service principal; CDK's Trail(encryption_key=...)
        # does not add this statement, and without it CloudTrail refuses to create the trail.
        encryption_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudTrailEncrypt",
                principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:DescribeKey"],
                resources=["*"],
                conditions={
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": stack.format_arn(
                            service="cloudtrail", region="*", resource="trail", resource_name="*"
                        )
                    }
                },
            )
        )
        self.trail = cloudtrail.Trail(
            self,
            "Trail",
            bucket=self.bucket,
            encryption_key=encryption_key,
            enable_file_validation=True,  # digest files prove the log files were not altered
            # Only the data events below: management events are the account trail's job.
            management_events=cloudtrail.ReadWriteType.NONE,
            include_global_service_events=False,
            is_multi_region_trail=False,
        )
        # Object-level writes are data events: no trail records them unless asked to.
        self.trail.add_s3_event_selector(
            [cloudtrail.S3EventSelector(bucket=source_bucket)],
            read_write_type=cloudtrail.ReadWriteType.WRITE_ONLY,
            include_management_events=False,
        )


PERIOD = Duration.minutes(5)


def _alarm(scope: Construct, name: str, metric: cloudwatch.Metric, what: str,
           topic: sns.ITopic) -> cloudwatch.Alarm:
    """One failure in the period is one too many; no data (no builds, no calls) is fine."""
    a = metric.create_alarm(
        scope,
        name,
        alarm_description=what,
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    a.add_alarm_action(cw_actions.SnsAction(topic))
    return a


def function_alarms(
    scope: Construct, functions: Mapping[str, lambda_.IFunction], topic: sns.ITopic
) -> list[cloudwatch.Alarm]:
    """Alarms on each function's errors and throttles, notifying `topic`."""
    alarms = []
    for name, fn in functions.items():
        alarms += [
            _alarm(scope, f"{name}Errors", fn.metric_errors(period=PERIOD), f"{name} threw", topic),
            _alarm(scope, f"{name}Throttles", fn.metric_throttles(period=PERIOD),
                   f"{name} invocations were throttled", topic),
        ]
    return alarms


class FunctionAlarms(Construct):
    """Errors and throttles alarms on functions, in the stack that owns them, notifying a topic
    (whose owner lets CloudWatch publish: `PipelineMonitoring` does)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        alarm_topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, id)
        self.alarms = function_alarms(self, functions, alarm_topic)


class PipelineMonitoring(Construct):
    """Alarms on failed builds and on the function's errors and throttles, and a dashboard.

    Without `function` (its alarms live with it, in another stack: `FunctionAlarms`), the builds
    only."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        pipeline: codepipeline.IPipeline,
        projects: Mapping[str, codebuild.IProject],
        alarm_topic: sns.ITopic,
        function: lambda_.IFunction | None = None,
        helper_functions: Mapping[str, lambda_.IFunction] | None = None,
    ) -> None:
        """`helper_functions`: functions the pipeline runs besides the application (a
        pre-traffic hook), alarmed on errors and throttles the same way."""
        super().__init__(scope, id)
        # Alarms publish as the CloudWatch service: the topic policy and, for an encrypted topic,
        # the key policy must let it. SnsAction adds neither; grant_publish adds both.
        alarm_topic.grant_publish(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
        period = PERIOD
        self.alarms = [
            _alarm(
                self,
                f"{name}FailedBuilds",
                project.metric_failed_builds(period=period, statistic="Sum"),
                f"A {name} build failed",
                alarm_topic,
            )
            for name, project in projects.items()
        ]
        functions = {"Function": function} if function else {}
        self.alarms += function_alarms(self, {**functions, **(helper_functions or {})},
                                       alarm_topic)

        rows: list[list[cloudwatch.IWidget]] = [
            [
                cloudwatch.TextWidget(
                    markdown=f"## Pipeline `{pipeline.pipeline_name}`", width=24, height=1
                )
            ],
            [cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24)],
            [
                cloudwatch.GraphWidget(
                    title="Builds and failed builds",
                    left=[p.metric_builds(period=period) for p in projects.values()],
                    right=[p.metric_failed_builds(period=period) for p in projects.values()],
                    width=12,
                ),
                cloudwatch.GraphWidget(
                    title="Build duration",
                    left=[p.metric_duration(period=period) for p in projects.values()],
                    width=12,
                ),
            ],
        ]
        if function is not None:
            rows.append(
                [
                    cloudwatch.GraphWidget(
                        title="Function invocations, errors, throttles",
                        left=[function.metric_invocations(period=period)],
                        right=[
                            function.metric_errors(period=period),
                            function.metric_throttles(period=period),
                        ],
                        width=12,
                    ),
                    cloudwatch.GraphWidget(
                        title="Function duration (p99)",
                        left=[function.metric_duration(period=period, statistic="p99")],
                        width=12,
                    ),
                ]
            )
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", default_interval=Duration.days(7), widgets=rows
        )
