"""Exercise 06: failed pipeline executions reach a person."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register
from pitfalls.learner.exercises.harness import reference_projects


def harness(stack: Any, cls: type) -> None:
    from solutions.failure_notifications import notification_email
    from solutions.incomplete_pipeline_stages import DeliveryPipeline
    from solutions.s3_source_bucket import SourceBucket

    source = SourceBucket(stack, "Source")
    pipeline = DeliveryPipeline(
        stack, "Delivery", source_bucket=source.bucket, **reference_projects(stack)
    ).pipeline
    # The address is the stack's NotificationEmail parameter: configuration, not a literal.
    cls(stack, "Notifications", pipeline=pipeline, email=notification_email(stack))


STARTER = """\
class FailureNotifications(Construct):
    def __init__(self, scope, id, *, pipeline, email):
        super().__init__(scope, id)
        self.topic = sns.Topic(
            self, "Topic", master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns")
        )
        pipeline.on_state_change(
            "Succeeded",
            target=targets.SnsTopic(self.topic),
            event_pattern=events.EventPattern(detail={"state": ["SUCCEEDED"]}),
        )
"""


register(
    Exercise(
        scenario=6,
        class_name="FailureNotifications",
        task=(
            "Write FailureNotifications(scope, id, *, pipeline, email) so that a FAILED "
            "execution of the pipeline reaches the email address."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "An AWS::Events::Rule with EventPattern detail.state [FAILED] on the pipeline, "
            "targeting an AWS::SNS::Topic that has an AWS::SNS::Subscription; the topic policy "
            "and the KMS key policy must allow events.amazonaws.com (the AWS managed "
            "alias/aws/sns key cannot).",
            "topic = sns.Topic(self, 'Topic', master_key=kms.Key(self, 'Key', "
            "enable_key_rotation=True)); topic.add_subscription(subscriptions.EmailSubscription("
            "email)); pipeline.on_state_change('Failed', target=targets.SnsTopic(topic), "
            "event_pattern=events.EventPattern(detail={'state': ['FAILED']}))",
        ),
        solution="solutions.failure_notifications:FailureNotifications",
    )
)
