"""Exercise 10's answer: the release-notes app as four small constructs, one per concern."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct


class Site(Construct):
    """The bucket the release-notes site is published to."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(self, "Bucket", enforce_ssl=True)


class SiteBuild(Construct):
    """The project that builds the site into its bucket."""

    def __init__(self, scope: Construct, id: str, *, site: s3.IBucket) -> None:
        super().__init__(scope, id)
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0),
        )
        site.grant_put(self.project)


class Publisher(Construct):
    """The function that publishes release notes, and the table it reads them from."""

    def __init__(self, scope: Construct, id: str, *, stage: str) -> None:
        super().__init__(scope, id)
        self.table = dynamodb.Table(
            self,
            "Releases",
            partition_key=dynamodb.Attribute(name="version", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.NODEJS_24_X,
            handler="index.handler",
            code=lambda_.Code.from_inline("exports.handler = async () => ({ ok: true });"),
            environment={"APP_STAGE": stage, "TABLE": self.table.table_name},
        )
        self.table.grant_read_data(self.function)


class Alerts(Construct):
    """A topic, and an alarm on each metric it is given: reusable by any service."""

    def __init__(self, scope: Construct, id: str, *, metrics: dict[str, cloudwatch.Metric]) -> None:
        super().__init__(scope, id)
        self.topic = sns.Topic(self, "Topic", enforce_ssl=True)
        for name, metric in metrics.items():
            alarm = metric.create_alarm(self, name, threshold=1, evaluation_periods=1)
            alarm.add_alarm_action(cw_actions.SnsAction(self.topic))


class ReleaseNotesApp(Construct):
    """The four concerns, composed."""

    def __init__(self, scope: Construct, id: str, props: Any) -> None:
        super().__init__(scope, id)
        self.site = Site(self, "Site")
        self.build = SiteBuild(self, "SiteBuild", site=self.site.bucket)
        self.publisher = Publisher(self, "Publisher", stage=props.stage)
        self.alerts = Alerts(self, "Alerts",
                             metrics={"PublisherErrors": self.publisher.function.metric_errors()})
