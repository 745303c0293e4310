"""Exercise 10: split the release-notes app, which does everything in one scope, into one
construct per concern, with no escape hatch.

The variant: other concerns (a table, a site build, alarms), a table setting the starter reaches
through an escape hatch, and an alerts piece the ticket wants reusable, so the notebook's
`DeliveryApp` is not the answer.
"""

from __future__ import annotations

from typing import Any

from pitfalls.checks.s10_cdk_code_errors import owner_scope
from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import each, missing, owned
from pitfalls.templates.template import Template

ALERTS = ("AWS::SNS::Topic", "AWS::CloudWatch::Alarm")


def harness(stack: Any, cls: type) -> None:
    from solutions.cdk_code_errors import DeliveryAppProps

    cls(stack, "App", DeliveryAppProps(stage="dev"))


@each(lambda t: owned(t, "App", "AWS::DynamoDB::Table"), "DynamoDB table")
def table_pitr(t: Template, lid: str) -> str:
    spec = t.props(lid).get("PointInTimeRecoverySpecification")
    if isinstance(spec, dict) and spec.get("PointInTimeRecoveryEnabled") is True:
        return ""
    keys = [k for k in t.props(lid) if k.lower().startswith("pointintime")]
    return (f"its properties hold {', '.join(keys)} (CloudFormation's names are "
            "PascalCase: this one is ignored or refused)" if keys and keys != [
                "PointInTimeRecoverySpecification"]
            else f"its PointInTimeRecoverySpecification is {spec!r}")


def alerts_together(t: Template) -> list[tuple[str, str]]:
    made = {lid: owner_scope(t.cdk_path(lid) or "") for kind in ALERTS for lid in owned(t, "App", kind)}
    kinds = {t.type_of(lid) for lid in made}
    if set(ALERTS) - kinds:
        return missing(" and ".join(" ".join(k.split("::")[1:]) for k in sorted(set(ALERTS) - kinds)))
    scopes = set(made.values())
    app = f"{t.name}/App"
    if len(scopes) == 1 and app not in scopes:
        return []
    return [(lid, f"it is made by {scope}") for lid, scope in made.items()
            if scope == app or len(scopes) > 1]


STARTER = """\
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb


class ReleaseNotesApp(Construct):
    def __init__(self, scope, id, props):
        super().__init__(scope, id)
        site = s3.Bucket(self, "Site", enforce_ssl=True)
        build = codebuild.PipelineProject(
            self,
            "SiteBuild",
            environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0),
        )
        site.grant_put(build)
        table = dynamodb.Table(
            self,
            "Releases",
            partition_key=dynamodb.Attribute(name="version", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        )
        table.node.default_child.add_property_override(
            "pointInTimeRecoverySpecification", {"pointInTimeRecoveryEnabled": True}
        )
        publisher = lambda_.Function(
            self,
            "Publisher",
            runtime=lambda_.Runtime.NODEJS_24_X,
            handler="index.handler",
            code=lambda_.Code.from_inline("exports.handler = async () => ({ ok: true });"),
            environment={"APP_STAGE": props.stage, "TABLE": table.table_name},
        )
        table.grant_read_data(publisher)
        topic = sns.Topic(self, "Alerts", enforce_ssl=True)
        alarm = publisher.metric_errors().create_alarm(
            self, "PublisherErrors", threshold=1, evaluation_periods=1
        )
        alarm.add_alarm_action(cw_actions.SnsAction(topic))
"""


register(
    Exercise(
        scenario=10,
        class_name="ReleaseNotesApp",
        task=(
            "Write ReleaseNotesApp(scope, id, props) that composes one construct per concern "
            "(site, site build, publisher and its table, alerts), turns on the table's point-in-"
            "time recovery with the typed prop, and makes the topic and alarm in one reusable "
            "alerts construct."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E10-TABLE-PITR", "point-in-time recovery on the releases table",
                        table_pitr),
            Requirement("E10-ALERTS-TOGETHER",
                        "the topic and the alarm come from one alerts construct of their own, "
                        "which other services can reuse", alerts_together),
        ),
        hints=(
            "Each resource's Metadata aws:cdk:path says which scope made it: Exercise/App/Site/"
            "Resource means ReleaseNotesApp made the bucket itself (PP10-MONOLITHIC-SCOPE counts "
            "the concerns one scope makes). CDK's own validation (F3002) names a property "
            "CloudFormation does not know: the escape hatch wrote a camelCase one.",
            "class Site(Construct), class SiteBuild(Construct), class Publisher(Construct) (the "
            "function and its table), class Alerts(Construct) (topic, and an alarm for the metric "
            "it is given); ReleaseNotesApp creates the four and wires them. dynamodb.Table(..., "
            "point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification("
            "point_in_time_recovery_enabled=True)) instead of the override.",
        ),
        docs=(
            "https://docs.aws.amazon.com/cdk/v2/guide/best-practices.html",
            "https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk.aws_dynamodb/Table.html",
        ),
        solution="solutions.cdk_code_errors:DeliveryApp",
        answer="pitfalls.learner.exercises.answers.e10_cdk_code_errors:ReleaseNotesApp",
        promised=("PP10-MONOLITHIC-SCOPE", "E10-TABLE-PITR"),
        tool_rules=("F3002", "F3003"),
    )
)
