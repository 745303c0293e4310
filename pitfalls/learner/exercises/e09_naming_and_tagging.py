"""Exercise 09: the release-notes service's resources, named for the environment and tagged for
finance as well as for the course.

The variant: other resources (a table, a queue), a name the data team sets, and tags the
organisation adds, so the notebook's `ServiceResources` is not the answer.
"""

from __future__ import annotations

from typing import Any

from pitfalls.checks.s09_naming_and_tagging import tag_property, tag_values
from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import as_text, each, owned
from pitfalls.templates.template import Template

ENVIRONMENT = "dev"  # the environment the harness builds
TABLE_NAME = f"pipeline-pitfalls-{ENVIRONMENT}-releases"
FINANCE_TAGS = {"CostCenter": "cc-4711", "Team": "release-notes"}


def harness(stack: Any, cls: type) -> None:
    # Only the learner's construct: every resource in the stack is theirs to name and tag.
    cls(stack, "Service", environment=ENVIRONMENT)


@each(lambda t: owned(t, "Service", "AWS::DynamoDB::Table"), "DynamoDB table", one_will_do=True)
def table_name(t: Template, lid: str) -> str:
    name = t.props(lid).get("TableName")
    if name == TABLE_NAME:
        return ""
    return f"its TableName is {as_text(name)!r}" if name else "it has no TableName"


def finance_tags(t: Template) -> list[tuple[str, str]]:
    out = []
    for lid, body in t.resources_all():
        prop = tag_property(str(body.get("Type", "")))
        tags = tag_values(t.props(lid).get(prop)) if prop else None
        if tags is None:
            continue  # not taggable, or tags computed at deploy time
        wrong = {k: v for k, v in FINANCE_TAGS.items() if tags.get(k) != v}
        if wrong:
            has = ", ".join(f"{k}={v}" for k, v in tags.items()) or "none"
            out.append((lid, f"its {prop} are {has}"))
    return out


STARTER = """\
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sqs as sqs


class ReleaseNotes(Construct):
    def __init__(self, scope, id, *, environment):
        super().__init__(scope, id)
        self.table = dynamodb.Table(
            self,
            "Releases",
            table_name="releases",
            partition_key=dynamodb.Attribute(name="version", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        )
        self.dead_letters = sqs.Queue(
            self, "DeadLetters", queue_name="release-notes-dead-letters", enforce_ssl=True
        )
        Tags.of(self).add("Project", "pipeline-pitfalls")
"""


register(
    Exercise(
        scenario=9,
        class_name="ReleaseNotes",
        task=(
            "Write ReleaseNotes(scope, id, *, environment): the release-notes table, named "
            f"{TABLE_NAME} in dev, and its dead-letter queue, every name carrying the environment "
            "and every resource tagged Project, Environment, CostCenter and Team."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E09-TABLE-NAME", f"the table is named {TABLE_NAME} in dev", table_name),
            Requirement("E09-FINANCE-TAGS", "every resource also carries "
                        + " and ".join(f"{k}={v}" for k, v in FINANCE_TAGS.items()), finance_tags),
        ),
        hints=(
            "Each finding names a resource and what it carries: PP09-MISSING-TAGS and "
            "E09-FINANCE-TAGS list its Tags, PP09-NAME-WITHOUT-ENVIRONMENT and E09-TABLE-NAME its "
            "TableName or QueueName. Tags added on a construct reach every taggable resource below "
            "it in the template.",
            "Tags.of(self).add(key, value) for each of Project, Environment, CostCenter and Team "
            "(or Naming(...).apply_tags(self, extra={...}) from solutions.naming_and_tagging); "
            "table_name=f'pipeline-pitfalls-{environment}-releases' (or Naming(...).name"
            "('releases')); the queue's name carries the environment too, or is left out.",
        ),
        docs=(
            "https://docs.aws.amazon.com/cdk/v2/guide/tagging.html",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html",
        ),
        solution="solutions.naming_and_tagging:ServiceResources",
        answer="pitfalls.learner.exercises.answers.e09_naming_and_tagging:ReleaseNotes",
        promised=("PP09-MISSING-TAGS", "PP09-NAME-WITHOUT-ENVIRONMENT", "E09-TABLE-NAME",
                  "E09-FINANCE-TAGS"),
    )
)
