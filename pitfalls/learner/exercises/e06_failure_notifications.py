"""Exercise 06: failed executions reach the release address and the on-call bot's queue.

The variant: the same path (a rule that matches FAILED, a topic the service may publish to and
encrypt for, a subscriber) with a second subscriber, an SQS queue encrypted with a customer managed
key that SNS must be let into, so the notebook's `FailureNotifications` (email only) is not the
answer.
"""

from __future__ import annotations

from typing import Any

from pitfalls.checks.s06_failure_notifications import grants
from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import each, owned, reference_projects
from pitfalls.templates.refs import ref_target
from pitfalls.templates.template import Template

SNS = "sns.amazonaws.com"
QUEUE_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")  # what SNS needs to write to the queue


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


def _queues(t: Template) -> list[str]:
    return owned(t, "Notifications", "AWS::SQS::Queue")


def _subscriptions(t: Template, topic: str) -> list[tuple[str, str | None]]:
    """(protocol, the logical id of the endpoint or None) of each subscription of `topic`."""
    return [(str(t.props(lid).get("Protocol")), ref_target(t.props(lid).get("Endpoint")))
            for lid, _ in t.resources("AWS::SNS::Subscription")
            if ref_target(t.props(lid).get("TopicArn")) == topic]


@each(lambda t: owned(t, "Notifications", "AWS::SNS::Topic"), "SNS topic", one_will_do=True)
def both_subscribed(t: Template, topic: str) -> str:
    subs, queues = _subscriptions(t, topic), set(_queues(t))
    if any(p == "email" for p, _ in subs) and any(p == "sqs" and e in queues for p, e in subs):
        return ""
    did = ", ".join(f"{p} to {e}" if e else p for p, e in subs) if subs else "none"
    return f"its subscriptions (AWS::SNS::Subscription Protocol): {did}"


@each(_queues, "SQS queue")
def queue_key(t: Template, queue: str) -> str:
    value = t.props(queue).get("KmsMasterKeyId")
    key = ref_target(value)
    if t.type_of(key) == "AWS::KMS::Alias":
        key = ref_target(t.props(str(key)).get("TargetKeyId"))
    if value is None:
        sse = t.props(queue).get("SqsManagedSseEnabled")
        return "no KmsMasterKeyId: " + ("SQS-managed encryption (SqsManagedSseEnabled), not a KMS key"
                                        if sse is not False else "not encrypted")
    if t.type_of(key) != "AWS::KMS::Key":
        return f"KmsMasterKeyId {value}: an AWS managed key, whose key policy cannot let {SNS} use it"
    if not grants(t.props(str(key)).get("KeyPolicy"), SNS, *QUEUE_KEY_ACTIONS):
        return (f"the KeyPolicy of its key {key} does not let {SNS} "
                f"{' and '.join(QUEUE_KEY_ACTIONS)}: SNS cannot deliver to it")
    return ""


STARTER = """\
from aws_cdk import aws_sqs as sqs


class OnCallNotifications(Construct):
    def __init__(self, scope, id, *, pipeline, email):
        super().__init__(scope, id)
        self.topic = sns.Topic(
            self, "Topic", master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns")
        )
        self.queue = sqs.Queue(self, "OnCall", encryption=sqs.QueueEncryption.KMS_MANAGED)
        pipeline.on_state_change(
            "Succeeded",
            target=targets.SnsTopic(self.topic),
            event_pattern=events.EventPattern(detail={"state": ["SUCCEEDED"]}),
        )
"""


register(
    Exercise(
        scenario=6,
        class_name="OnCallNotifications",
        task=(
            "Write OnCallNotifications(scope, id, *, pipeline, email) so that a FAILED execution "
            "of the pipeline reaches the email address and the on-call bot's SQS queue, "
            "encrypted with a customer managed key."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E06-QUEUE-SUBSCRIBED",
                        "the failure topic delivers to the email address and to the on-call queue",
                        both_subscribed),
            Requirement("E06-QUEUE-KEY",
                        "the on-call queue is encrypted with a customer managed KMS key that SNS "
                        "may use", queue_key),
        ),
        hints=(
            "Follow a failure from the AWS::Events::Rule (EventPattern detail.state) to the "
            "AWS::SNS::Topic (its KmsMasterKeyId, and the AWS::SNS::TopicPolicy), then to each "
            "AWS::SNS::Subscription (Protocol email, Protocol sqs with your queue as Endpoint). "
            "On the AWS::SQS::Queue, read KmsMasterKeyId: SNS writes into an encrypted queue only "
            "with kms:GenerateDataKey and kms:Decrypt on its key, which an AWS managed key "
            "(alias/aws/sqs, like alias/aws/sns) never grants.",
            "kms.Key(self, 'Key', enable_key_rotation=True) for the topic; "
            "sqs.Queue(self, 'OnCall', encryption=sqs.QueueEncryption.KMS, "
            "encryption_master_key=kms.Key(...), enforce_ssl=True); "
            "topic.add_subscription(subscriptions.EmailSubscription(email)) and "
            "subscriptions.SqsSubscription(queue) (CDK writes the queue policy and the key "
            "statement for sns.amazonaws.com); pipeline.on_state_change(..., "
            "event_pattern=events.EventPattern(detail={'state': [...]})).",
        ),
        docs=(
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
            "sqs-key-management.html",
        ),
        solution="solutions.failure_notifications:FailureNotifications",
        answer="pitfalls.learner.exercises.answers.e06_failure_notifications:OnCallNotifications",
        promised=("PP06-NO-FAILURE-RULE", "PP06-SERVICE-CANNOT-PUBLISH", "PP06-TOPIC-NO-SUBSCRIPTION",
                  "E06-QUEUE-SUBSCRIBED", "E06-QUEUE-KEY"),
    )
)
