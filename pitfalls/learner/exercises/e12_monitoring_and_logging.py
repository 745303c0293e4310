"""Exercise 12: alarms that reach the alerts topic, and a dashboard."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register
from pitfalls.learner.exercises.harness import reference_encrypted_pipeline


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
            "each notifying alarm_topic, and a dashboard."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "Each AWS::CloudWatch::Alarm needs AlarmActions: [!Ref <alerts topic>]; there must "
            "be one on AWS/CodeBuild FailedBuilds per project (ProjectName dimension) and on "
            "AWS/Lambda Errors and Throttles (FunctionName dimension). CloudWatch publishes as "
            "cloudwatch.amazonaws.com, which the topic's key policy must allow.",
            "for name, project in projects.items(): a = project.metric_failed_builds()"
            ".create_alarm(self, f'{name}FailedBuilds', threshold=1, evaluation_periods=1); "
            "a.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic)); the same with "
            "function.metric_errors() and function.metric_throttles(); and "
            "alarm_topic.grant_publish(iam.ServicePrincipal('cloudwatch.amazonaws.com')).",
        ),
        solution="solutions.monitoring_and_logging:PipelineMonitoring",
        # The alarms publish to a KMS-encrypted topic: letting CloudWatch use its key is part of
        # wiring them (scenario 11's check, answerable here).
        related_checks=("PP11-KEY-BLOCKS-SERVICE",),
    )
)
