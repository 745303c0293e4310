"""Exercise 06's answer: failures to the release address and to the on-call bot's queue."""

from __future__ import annotations

from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class OnCallNotifications(Construct):
    """FAILED executions -> EventBridge rule -> encrypted topic -> the email and the bot's queue."""

    def __init__(self, scope: Construct, id: str, *, pipeline: codepipeline.IPipeline,
                 email: str) -> None:
        super().__init__(scope, id)
        # Customer managed keys: their policies can let EventBridge (the topic's) and SNS (the
        # queue's) in; CDK writes those statements when the rule and the subscription are made.
        self.topic = sns.Topic(
            self, "Topic", master_key=kms.Key(self, "TopicKey", enable_key_rotation=True),
            enforce_ssl=True,
        )
        self.queue = sqs.Queue(
            self,
            "OnCall",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=kms.Key(self, "QueueKey", enable_key_rotation=True),
            enforce_ssl=True,
        )
        self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.topic.add_subscription(subscriptions.SqsSubscription(self.queue))
        pipeline.on_state_change(
            "Failed",
            description="A pipeline execution failed",
            event_pattern=events.EventPattern(detail={"state": ["FAILED"]}),
            target=targets.SnsTopic(self.topic),
        )
