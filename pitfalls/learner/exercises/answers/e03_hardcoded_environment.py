"""Exercise 03's answer: the stage's audit queue and forwarder, every name and ARN derived."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from solutions.hardcoded_environment import DeploymentConfig
from solutions.lambda_runtime import RUNTIME


class AuditResources(Construct):
    """An audit queue named for the stage, triggering a function that forwards to the stage's
    audit-events topic, whose ARN is built from the stack's own partition, region and account."""

    def __init__(self, scope: Construct, id: str, *, config: DeploymentConfig) -> None:
        super().__init__(scope, id)
        topic_arn = Stack.of(self).format_arn(service="sns", resource=config.name("audit-events"))
        self.queue = sqs.Queue(self, "Queue", queue_name=config.name("audit"), enforce_ssl=True)
        self.function = lambda_.Function(
            self,
            "Forwarder",
            runtime=RUNTIME,
            handler="index.handler",
            code=lambda_.Code.from_inline("exports.handler = async () => ({ ok: true });"),
            environment={"AUDIT_TOPIC_ARN": topic_arn},  # the region is in AWS_REGION
        )
        self.function.add_event_source(sources.SqsEventSource(self.queue))
        self.function.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[topic_arn]))
