"""A CDK app with every resource type the finished course deploys, in two versions.

`python tests/emulator/full_app.py OUTDIR` synthesizes `OUTDIR/v1` and `OUTDIR/v2` (one jsii
start for both). v1 is today's full pipeline (`solutions.pipeline.PipelineStack`'s constructs)
plus what later scenarios add: failure notifications (SNS topic, email and SQS subscriptions,
topic policy, EventBridge rule, CodeStar notification rule), alarms, a CodeDeploy canary for the
function's alias, a CodeBuild report group, a CloudTrail trail, a bucket with a canned ACL, a
dashboard and an SSM parameter. v2 changes what an update must apply: new function code (a new
version, the alias moved through CodeDeploy), a lifecycle rule, a log retention, tags, and the
topic (whose subscriptions must stay).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import Duration, RemovalPolicy, Tags
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from solutions.codebuild_configuration import (  # noqa: E402
    NodeProject,
    build_spec_for_build,
    build_spec_for_synth,
    build_spec_for_tests,
)
from solutions.incomplete_pipeline_stages import APPLICATION_STACK, DeliveryPipeline  # noqa: E402
from solutions.lambda_runtime import APP_SOURCE, ApplicationFunction  # noqa: E402
from solutions.s3_source_bucket import SourceBucket  # noqa: E402
from solutions.versioning_and_rollback import ALIAS_NAME  # noqa: E402

STACK = "PitfallsFull"
ACCOUNT = "123456789012"
REGION = "us-east-1"
ALERT_EMAIL = "pipeline-team@example.com"


class FullStack(cdk.Stack):
    """The full pipeline and the monitoring the later scenarios add to it."""

    def __init__(self, scope: Construct, id: str, *, version: int, code_dir: Path,
                 **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        v2 = version == 2
        source = SourceBucket(self, "Source", keep_old_versions_days=60 if v2 else 30)
        app = ApplicationFunction(
            self, "App", stage="dev", code_dir=code_dir,
            log_retention=logs.RetentionDays.THREE_MONTHS if v2 else logs.RetentionDays.ONE_MONTH)
        alias = lambda_.Alias(self, "Alias", alias_name=ALIAS_NAME,
                              version=app.function.current_version)
        build = NodeProject(self, "Build", build_spec=build_spec_for_build())
        tests = NodeProject(self, "Tests", build_spec=build_spec_for_tests())
        synth = NodeProject(self, "Synth", build_spec=build_spec_for_synth(APPLICATION_STACK))
        # The pipeline deploys an application stack through CloudFormation (scenario 01).
        pipeline = DeliveryPipeline(
            self, "Delivery", source_bucket=source.bucket, build_project=build.project,
            synth_project=synth.project, test_project=tests.project).pipeline

        # Scenario 06: failure notifications, by email and to a queue a test can read.
        topic = sns.Topic(self, "Alerts",
                          display_name="Pipeline alerts (v2)" if v2 else "Pipeline alerts")
        topic.add_subscription(subscriptions.EmailSubscription(ALERT_EMAIL))
        self.queue = sqs.Queue(self, "AlertsQueue", encryption=sqs.QueueEncryption.SQS_MANAGED,
                               retention_period=Duration.days(4))
        topic.add_subscription(subscriptions.SqsSubscription(self.queue))
        events.Rule(
            self, "PipelineFailed",
            description="The pipeline failed",
            event_pattern=events.EventPattern(
                source=["aws.codepipeline"],
                detail_type=["CodePipeline Pipeline Execution State Change"],
                detail={"state": ["FAILED"], "pipeline": [pipeline.pipeline_name]}),
            targets=[targets.SnsTopic(topic, message=events.RuleTargetInput.from_text(
                f"Pipeline {events.EventField.from_path('$.detail.pipeline')} failed "
                f"(execution {events.EventField.from_path('$.detail.execution-id')})"))])

        # Scenario 06's alternative (CodeStar Notifications), to the same topic.
        pipeline.notify_on("Notify", topic, events=[
            codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED])

        # Scenario 08 and 12: alarms, and a canary deployment that rolls back on them.
        errors = cloudwatch.Alarm(
            self, "AliasErrors", metric=alias.metric_errors(period=Duration.minutes(1)),
            threshold=1, evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="The live alias returns errors")
        errors.add_alarm_action(cw_actions.SnsAction(topic))
        cloudwatch.Alarm(
            self, "BuildFailures",
            metric=cloudwatch.Metric(namespace="AWS/CodeBuild", metric_name="FailedBuilds",
                                     dimensions_map={"ProjectName": build.project.project_name},
                                     statistic="Sum", period=Duration.minutes(5)),
            threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
        codedeploy.LambdaDeploymentGroup(
            self, "Canary", alias=alias,
            deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
            alarms=[errors],
            auto_rollback=codedeploy.AutoRollbackConfig(failed_deployment=True,
                                                        deployment_in_alarm=True))

        # Scenario 13: test reports; scenario 12: an audit trail and a dashboard.
        codebuild.ReportGroup(self, "TestReports", type=codebuild.ReportGroupType.TEST,
                              removal_policy=RemovalPolicy.DESTROY)
        cloudtrail.Trail(self, "Trail", is_multi_region_trail=False,
                         include_global_service_events=True)
        # A log bucket in the older style: written through the LogDelivery group's ACL.
        s3.Bucket(self, "AclLogs", access_control=s3.BucketAccessControl.LOG_DELIVERY_WRITE,
                  removal_policy=RemovalPolicy.DESTROY)
        cloudwatch.Dashboard(self, "Dashboard", widgets=[[cloudwatch.GraphWidget(
            title="Function errors", left=[app.function.metric_errors()])]])
        ssm.StringParameter(self, "StageParameter", parameter_name="/pitfalls/stage",
                            string_value="dev")

        Tags.of(self).add("Project", "pipeline-pitfalls")
        Tags.of(self).add("Environment", "dev")
        if v2:
            Tags.of(self).add("Owner", "platform-team")


class BadTypeStack(cdk.Stack):
    """A bucket, then a resource type the emulator does not support (the deploy must fail)."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        bucket = cdk.CfnResource(self, "First", type="AWS::S3::Bucket")
        vpc = cdk.CfnResource(self, "Network", type="AWS::EC2::VPC",
                              properties={"CidrBlock": "10.0.0.0/16"})
        vpc.add_dependency(bucket)


class BadPropertyStack(cdk.Stack):
    """A topic, then a queue with a property the emulator would ignore (the deploy must fail)."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        topic = sns.Topic(self, "First")
        queue = sqs.Queue(self, "Queue")
        queue.node.default_child.add_property_override(  # type: ignore[union-attr]
            "RedriveAllowPolicy", {"redrivePermission": "denyAll"})
        queue.node.add_dependency(topic)


def code_for(version: int, into: Path) -> Path:
    """The function code of each version: v1 is lambda_src, v2 a changed copy of it."""
    if version == 1:
        return APP_SOURCE
    d = into / "lambda_v2"
    (d / "src").mkdir(parents=True, exist_ok=True)
    (d / "package.json").write_text((APP_SOURCE / "package.json").read_text())
    text = (APP_SOURCE / "src" / "index.mjs").read_text()
    (d / "src" / "index.mjs").write_text(text + "\n// v2: a code change publishes a version\n")
    return d


def synth(outdir: Path) -> dict[str, Path]:
    """The cloud assemblies under `outdir`: v1, v2, bad_type, bad_property."""
    out = {}
    work = Path(tempfile.mkdtemp(prefix="pitfalls-full-"))
    env = cdk.Environment(account=ACCOUNT, region=REGION)
    for version in (1, 2):
        target = outdir / f"v{version}"
        app = cdk.App(outdir=str(target), analytics_reporting=False)
        FullStack(app, STACK, version=version, code_dir=code_for(version, work), env=env)
        app.synth()
        out[f"v{version}"] = target
    for name, cls, stack in (("bad_type", BadTypeStack, "PitfallsBadType"),
                             ("bad_property", BadPropertyStack, "PitfallsBadProperty")):
        app = cdk.App(outdir=str(outdir / name), analytics_reporting=False)
        cls(app, stack, env=env)
        app.synth()
        out[name] = outdir / name
    return out


if __name__ == "__main__":
    for path in synth(Path(sys.argv[1])).values():
        print(path)
