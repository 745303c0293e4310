"""Exercise 03: a stage's audit queue and forwarder, with no account, region or fixed name typed in.

The variant: a queue whose name the ticket sets per stage, and an ARN the code must build for a
topic it does not create, so the notebook's `StageResources` is not the answer.
"""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import as_text, each, owned
from pitfalls.templates.template import Template

STAGE = "dev"  # the stage the harness builds; names are checked for it
QUEUE_NAME = f"pipeline-pitfalls-{STAGE}-audit"
# As the template says it: built from the stack's pseudo parameters, named for the stage.
TOPIC_ARN = ("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:"
             f"pipeline-pitfalls-{STAGE}-audit-events")


def harness(stack: Any, cls: type) -> None:
    from solutions.hardcoded_environment import DeploymentConfig

    # An environment-agnostic stack: every literal account or region left is one typed in.
    cls(stack, "Stage", config=DeploymentConfig(stage=STAGE))  # the notebook's id


def _queues(t: Template) -> list[str]:
    return owned(t, "Stage", "AWS::SQS::Queue")


@each(_queues, "SQS queue", one_will_do=True)
def queue_name(t: Template, lid: str) -> str:
    name = t.props(lid).get("QueueName")
    if name == QUEUE_NAME:
        return ""
    return f"its QueueName is {as_text(name)!r}" if name else "it has no QueueName"


@each(lambda t: owned(t, "Stage", "AWS::Lambda::Function"), "Lambda function", one_will_do=True)
def topic_arn(t: Template, lid: str) -> str:
    env = (t.props(lid).get("Environment") or {}).get("Variables") or {}
    value = env.get("AUDIT_TOPIC_ARN")
    if value is None:
        return "its environment has no AUDIT_TOPIC_ARN"
    return f"its AUDIT_TOPIC_ARN is {as_text(value)!r}" if as_text(value) != TOPIC_ARN else ""


def reads_queue(t: Template) -> list[tuple[str, str]]:
    queues = set(_queues(t))
    mappings = [t.props(lid) for lid, _ in t.resources("AWS::Lambda::EventSourceMapping")]
    sources = {as_text(m.get("EventSourceArn")) for m in mappings}
    if any(f"${{{q}.Arn}}" in sources for q in queues):
        return []
    return [("", "no event source mapping has your queue call the function (AWS::Lambda::"
             "EventSourceMapping with EventSourceArn = the queue's Arn)")]


STARTER = """\
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs


class AuditResources(Construct):
    def __init__(self, scope, id, *, config):
        super().__init__(scope, id)
        topic_arn = "arn:aws:sns:eu-west-1:123456789012:pipeline-pitfalls-audit-events"
        self.queue = sqs.Queue(self, "Queue", queue_name="pipeline-pitfalls-audit", enforce_ssl=True)
        self.function = lambda_.Function(
            self,
            "Forwarder",
            runtime=RUNTIME,
            handler="index.handler",
            code=lambda_.Code.from_inline("exports.handler = async () => ({ ok: true });"),
            environment={"REGION": "eu-west-1", "AUDIT_TOPIC_ARN": topic_arn},
        )
        self.function.add_event_source(sources.SqsEventSource(self.queue))
        self.function.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[topic_arn]))
"""


register(
    Exercise(
        scenario=3,
        class_name="AuditResources",
        task=(
            "Write AuditResources(scope, id, *, config): the stage's audit queue, named for the "
            "stage, and a function it triggers that forwards to the stage's audit-events topic, "
            "with nothing typed in."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E03-QUEUE-NAME", f"the queue is named for its stage: {QUEUE_NAME}", queue_name),
            Requirement("E03-TOPIC-ARN",
                        "AUDIT_TOPIC_ARN is the stage's audit-events topic in this stack's own "
                        f"partition, region and account: {TOPIC_ARN}", topic_arn),
            Requirement("E03-QUEUE-TRIGGERS", "the queue triggers the function", reads_queue),
        ),
        hints=(
            "The findings name the resources and the strings in them: PP03-LITERAL-REGION and "
            "PP03-LITERAL-ACCOUNT list every literal region or account left in the template, "
            "PP03-FIXED-NAME every name without the stage. In the template the ARN you build reads "
            "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:..., and QueueName carries "
            "the stage.",
            "config.name('audit') and config.name('audit-events') give the stage's names; "
            "Stack.of(self).format_arn(service='sns', resource=...) builds the topic's ARN from "
            "the stack's pseudo parameters; sqs.Queue(..., queue_name=...); Lambda sets AWS_REGION "
            "itself, so REGION goes.",
        ),
        docs=(
            "https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk/ArnComponents.html",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html",
        ),
        solution="solutions.hardcoded_environment:StageResources",
        answer="pitfalls.learner.exercises.answers.e03_hardcoded_environment:AuditResources",
        promised=("PP03-LITERAL-REGION", "PP03-LITERAL-ACCOUNT", "PP03-FIXED-NAME",
                  "E03-QUEUE-NAME", "E03-TOPIC-ARN"),
    )
)
