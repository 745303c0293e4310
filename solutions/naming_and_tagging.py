"""Scenario 09: one naming helper and one set of tags, so environments never collide.

Names that a service keeps unique per account and Region (S3: across all accounts) either come
from CloudFormation, which makes them unique per stack, or from `Naming`, which always puts the
environment in and refuses a name longer than the service accepts. Tags come from the same
project and environment, added with `Tags.of(...)` so every taggable resource below gets them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import App, RemovalPolicy, Stack, Tags
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct

from solutions.lambda_runtime import APP_SOURCE, RUNTIME

PROJECT = "pipeline-pitfalls"
# Placeholders for the organisation's own values: in a real app, from cdk.json context.
OWNER = "platform-team"
COST_CENTER = "cc-1234"

# The longest name each service accepts, from its CloudFormation resource schema (cfn-lint ships
# them): the name property's maxLength, or the {1,N} of its pattern where there is no maxLength
# (Lambda). tests/test_naming_and_tagging.py reads the schemas and checks these numbers.
NAME_LIMITS: dict[str, int] = {
    "AWS::S3::Bucket": 63,
    "AWS::Lambda::Function": 64,
    "AWS::IAM::Role": 64,
    "AWS::Events::Rule": 64,
    "AWS::CloudWatch::Alarm": 255,
    "AWS::SNS::Topic": 256,
    "AWS::Logs::LogGroup": 512,
}

# Lower-case words joined by single hyphens: valid in every name above, S3 buckets included.
_PART = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Naming:
    """Names and tags for one project in one environment: `{project}-{environment}-{purpose}`."""

    project: str
    environment: str

    def __post_init__(self) -> None:
        for field, value in (("project", self.project), ("environment", self.environment)):
            if not _PART.match(value):
                raise ValueError(f"{field} {value!r}: use lower-case words joined by hyphens")

    def name(self, purpose: str, *, limit: int = NAME_LIMITS["AWS::S3::Bucket"]) -> str:
        """A physical name with the environment in it; ValueError if the service would refuse it."""
        if not _PART.match(purpose):
            raise ValueError(f"purpose {purpose!r}: use lower-case words joined by hyphens")
        name = f"{self.project}-{self.environment}-{purpose}"
        if len(name) > limit:
            raise ValueError(f"name {name!r} has {len(name)} characters; the limit is {limit}")
        return name

    def log_group_name(self, purpose: str) -> str:
        """A log group name in the same scheme, as a path: /project/environment/purpose."""
        name = f"/{self.project}/{self.environment}/{purpose}"
        if len(name) > NAME_LIMITS["AWS::Logs::LogGroup"]:
            raise ValueError(f"log group name {name!r} is too long")
        return name

    def tags(self) -> dict[str, str]:
        """The required tags: the same keys in every environment, the values of this one."""
        return {"Project": self.project, "Environment": self.environment}

    def apply_tags(self, scope: IConstruct, extra: Mapping[str, str] | None = None) -> None:
        """Tag `scope` and every taggable resource below it."""
        for key, value in {**self.tags(), **(extra or {})}.items():
            Tags.of(scope).add(key, value)


class ServiceResources(Construct):
    """One environment's failure alerts: a topic, the function that posts to it, its logs, and a
    bucket for its artifacts. Explicit names come from `Naming`; the bucket's from CloudFormation."""

    def __init__(self, scope: Construct, id: str, *, environment: str, project: str = PROJECT) -> None:
        super().__init__(scope, id)
        naming = Naming(project, environment)
        naming.apply_tags(self)
        # No bucket_name: CloudFormation makes one up, unique per stack, so nothing can clash.
        self.artifacts = s3.Bucket(
            self,
            "Artifacts",
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.topic = sns.Topic(
            self, "Alerts", topic_name=naming.name("alerts", limit=NAME_LIMITS["AWS::SNS::Topic"])
        )
        self.logs = logs.LogGroup(
            self,
            "Logs",
            log_group_name=naming.log_group_name("failure-notifier"),
            retention=logs.RetentionDays.ONE_MONTH,
        )
        self.function = lambda_.Function(
            self,
            "Notifier",
            function_name=naming.name(
                "failure-notifier", limit=NAME_LIMITS["AWS::Lambda::Function"]
            ),
            runtime=RUNTIME,
            handler="src/index.handler",
            code=lambda_.Code.from_asset(
                str(APP_SOURCE), exclude=["test", "node_modules", "coverage", "*.zip"]
            ),
            environment={"TOPIC_ARN": self.topic.topic_arn},
            log_group=self.logs,
        )
        self.topic.grant_publish(self.function)


def build_environment(app: App) -> Stack:
    """One environment per synth, as app.py does: `cdk synth -c stage=prod` gives prod."""
    environment = app.node.try_get_context("stage") or "dev"
    stack = Stack(app, f"Service-{environment}")
    ServiceResources(stack, "Service", environment=environment)
    # Organisation-wide tags, on the app: every stack and resource in it gets them.
    Tags.of(app).add("Owner", OWNER)
    Tags.of(app).add("CostCenter", COST_CENTER)
    return stack
