"""Exercise 12: alarms that reach the alerts topic, and the function's latency objective.

The variant: the same lesson (every failure metric has an alarm someone hears) plus the ticket's
latency alarm, judged as the ticket words it (p99 over three one-minute periods, silence is not an
incident), so the notebook's `PipelineMonitoring`, which alarms on failures only, is not the answer.
"""

from __future__ import annotations

from typing import Any

from pitfalls.checks.s12_monitoring_and_logging import alarm_metrics
from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import as_text, each, owned, reference_encrypted_pipeline
from pitfalls.templates.refs import refs_in
from pitfalls.templates.template import Template

SLOW_MS = 3000  # the ticket: p99 above 3 s ...
PERIODS = 3  # ... for 3 one-minute periods out of 3


def harness(stack: Any, cls: type) -> None:
    """The reference pipeline with its logs and audit trail; the learner adds the monitoring."""
    from aws_cdk import aws_sns as sns

    from solutions.lambda_runtime import ApplicationFunction
    from solutions.monitoring_and_logging import AuditTrail
    from solutions.security_and_encryption import PipelineKey

    key = PipelineKey(stack, "Key").key
    ref = reference_encrypted_pipeline(stack, key)
    projects = ref["projects"]
    app = ApplicationFunction(stack, "App", stage="dev", log_encryption_key=key)
    AuditTrail(stack, "Audit", source_bucket=ref["source"], encryption_key=key,
               access_logs=ref["access_logs"])
    alerts = sns.Topic(stack, "Alerts", master_key=key, enforce_ssl=True)
    by_name = {"Build": projects["build_project"], "Synth": projects["synth_project"],
               "Tests": projects["test_project"]}
    cls(stack, "Monitoring", pipeline=ref["pipeline"], projects=by_name, function=app.function,
        alarm_topic=alerts)


def _latency_alarms(t: Template) -> list[str]:
    """The learner's alarms on the course function's AWS/Lambda Duration."""
    functions = set(owned(t, "App", "AWS::Lambda::Function"))
    return [lid for lid in owned(t, "Monitoring", "AWS::CloudWatch::Alarm")
            if any(ns == "AWS/Lambda" and name == "Duration"
                   and refs_in(dims.get("FunctionName")) & functions
                   for ns, name, dims in alarm_metrics(t, lid))]


NO_LATENCY_ALARM = "alarm on the function's Duration (AWS/Lambda, FunctionName)"


@each(_latency_alarms, NO_LATENCY_ALARM, one_will_do=True)
def latency_alarm(t: Template, lid: str) -> str:
    p = t.props(lid)
    stat = p.get("ExtendedStatistic") or p.get("Statistic") or "a metric-math statistic"
    above = p.get("ComparisonOperator") in ("GreaterThanThreshold", "GreaterThanOrEqualToThreshold")
    if stat == "p99" and above and p.get("Threshold") == SLOW_MS:
        return ""
    return (f"it alarms on {as_text(stat)} Duration {as_text(p.get('ComparisonOperator'))} "
            f"{as_text(p.get('Threshold'))} ms (Statistic or ExtendedStatistic, "
            "ComparisonOperator, Threshold)")


@each(_latency_alarms, NO_LATENCY_ALARM, one_will_do=True)
def latency_periods(t: Template, lid: str) -> str:
    p = t.props(lid)
    evaluated = p.get("EvaluationPeriods")
    shape = (p.get("Period"), evaluated, p.get("DatapointsToAlarm", evaluated))
    if shape == (60, PERIODS, PERIODS):
        return ""
    period, evaluated, needed = map(as_text, shape)
    return (f"it fires on {needed} of {evaluated} periods of {period} seconds "
            "(DatapointsToAlarm, EvaluationPeriods, Period)")


@each(_latency_alarms, NO_LATENCY_ALARM, one_will_do=True)
def missing_data(t: Template, lid: str) -> str:
    how = t.props(lid).get("TreatMissingData", "missing")
    return f"it treats missing data as {as_text(how)} (TreatMissingData)" if how != "notBreaching" else ""


STARTER = """\
class PipelineMonitoring(Construct):
    def __init__(self, scope, id, *, pipeline, projects, function, alarm_topic):
        super().__init__(scope, id)
        function.metric_errors().create_alarm(self, "Errors", threshold=1, evaluation_periods=1)
"""


register(
    Exercise(
        scenario=12,
        class_name="PipelineMonitoring",
        task=(
            "Write PipelineMonitoring(scope, id, *, pipeline, projects, function, alarm_topic) "
            "with alarms on each project's FailedBuilds and the function's Errors and Throttles, "
            f"and one on its p99 Duration above {SLOW_MS} ms for {PERIODS} minutes, each "
            "notifying alarm_topic."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E12-LATENCY-ALARM",
                        f"alarm when the function's p99 Duration is above {SLOW_MS} ms", latency_alarm),
            Requirement("E12-LATENCY-PERIODS",
                        f"only when it stays there {PERIODS} minutes in a row: {PERIODS} of "
                        f"{PERIODS} one-minute periods", latency_periods),
            Requirement("E12-MISSING-DATA", "no calls, no data: not an incident", missing_data),
        ),
        hints=(
            "Each AWS::CloudWatch::Alarm needs AlarmActions: [!Ref <alerts topic>]; there must "
            "be one on AWS/CodeBuild FailedBuilds per project (ProjectName dimension) and on "
            "AWS/Lambda Errors and Throttles (FunctionName dimension). CloudWatch publishes as "
            "cloudwatch.amazonaws.com, which the topic's key policy must allow. The ticket's "
            "alarm watches AWS/Lambda Duration with ExtendedStatistic p99 (a percentile, not "
            "Statistic), and its Period, EvaluationPeriods, DatapointsToAlarm and "
            "TreatMissingData say how long the latency must stay high and what no data means.",
            "for name, project in projects.items(): a = project.metric_failed_builds()"
            ".create_alarm(self, f'{name}FailedBuilds', threshold=1, evaluation_periods=1); "
            "a.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic)); the same with "
            "function.metric_errors() and function.metric_throttles(); "
            "function.metric_duration(statistic='p99', period=Duration.minutes(...))"
            ".create_alarm(self, 'Latency', threshold=..., comparison_operator=cloudwatch."
            "ComparisonOperator.GREATER_THAN_THRESHOLD, evaluation_periods=..., "
            "datapoints_to_alarm=..., treat_missing_data=cloudwatch.TreatMissingData...); and "
            "alarm_topic.grant_publish(iam.ServicePrincipal('cloudwatch.amazonaws.com')).",
        ),
        docs=(
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html",
            "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html",
            "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_cloudwatch.TreatMissingData.html",
        ),
        solution="solutions.monitoring_and_logging:PipelineMonitoring",
        answer="pitfalls.learner.exercises.answers.e12_monitoring_and_logging:PipelineMonitoring",
        promised=("PP12-NO-ALARM", "PP12-ALARM-NO-ACTION", "E12-LATENCY-ALARM",
                  "E12-LATENCY-PERIODS", "E12-MISSING-DATA"),
        # The alarms publish to a KMS-encrypted topic: letting CloudWatch use its key is part of
        # wiring them (scenario 11's check, answerable here).
        related_checks=("PP11-KEY-BLOCKS-SERVICE",),
    )
)
