"""Exercise 11's answer: the pipeline key, usable by CloudWatch Logs and by the services that
publish alerts to the topic it encrypts, found by its alias."""

from __future__ import annotations

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


class PipelineKey(Construct):
    """A rotated customer-managed key whose policy lets in the services that use it."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            alias="alias/pipeline-pitfalls/pipeline",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,  # data encrypted with it outlives the stack
        )
        # CloudWatch Logs, for this account's log groups only.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                         "kms:Describe*"],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                    service="logs", resource="log-group", resource_name="*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME)}},
            )
        )
        # Alarms and EventBridge rules publish to the topic this key encrypts: they need a data
        # key to encrypt the message, and to decrypt it again.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com"),
                            iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
            )
        )
