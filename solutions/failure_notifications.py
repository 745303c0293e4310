"""Scenario 06: a failed pipeline execution reaches a person.

An EventBridge rule on the pipeline matches executions that end FAILED and publishes them to an
SNS topic with an email subscription. The topic is encrypted with a customer managed key whose
policy lets EventBridge use it (the AWS managed `alias/aws/sns` key cannot be opened to a
service), and the topic policy lets EventBridge publish; CDK writes both when the rule targets
the topic. The address is configuration: a stack parameter set at deploy time, not a literal
in the code.

The CodeStar Notifications alternative, `pipeline.notify_on(...)` with
`PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED`, is just as valid; CDK grants
`codestar-notifications.amazonaws.com` in the same way.
"""

from __future__ import annotations

from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

EMAIL_PARAMETER = "NotificationEmail"


def notification_email(scope: Construct) -> str:
    """The address failures go to: the stack's `NotificationEmail` parameter, set at deploy time."""
    stack = Stack.of(scope)
    param = stack.node.try_find_child(EMAIL_PARAMETER)
    if not isinstance(param, CfnParameter):
        param = CfnParameter(
            stack,
            EMAIL_PARAMETER,
            type="String",
            description="Email address that receives pipeline failure notifications",
            allowed_pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+",
            constraint_description="must be an email address",
        )
    return param.value_as_string


class FailureNotifications(Construct):
    """FAILED executions of `pipeline` -> EventBridge rule -> encrypted SNS topic -> email."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        pipeline: codepipeline.IPipeline,
        email: str,
        encryption_key: kms.IKey | None = None,
        topic_name: str | None = None,
    ) -> None:
        """`topic_name`: a name from the stack's naming scheme (scenario 09), when another stack
        must know the topic's ARN before it exists; CloudFormation makes one up otherwise."""
        super().__init__(scope, id)
        # A customer managed key: its policy can let EventBridge encrypt what it publishes.
        self.key = encryption_key or kms.Key(
            self,
            "Key",
            description="Encrypts the pipeline failure notification topic",
            enable_key_rotation=True,
        )
        self.topic = sns.Topic(
            self, "Topic", topic_name=topic_name, master_key=self.key, enforce_ssl=True
        )
        self.topic.add_subscription(subscriptions.EmailSubscription(email))
        # One readable line per failure instead of the raw event JSON.
        message = events.RuleTargetInput.from_text(
            f"Pipeline {events.EventField.from_path('$.detail.pipeline')} failed "
            f"(execution {events.EventField.from_path('$.detail.execution-id')})."
        )
        self.rule = pipeline.on_state_change(
            "Notify",
            description="A pipeline execution failed",
            event_pattern=events.EventPattern(detail={"state": ["FAILED"]}),
            target=targets.SnsTopic(self.topic, message=message),
        )
