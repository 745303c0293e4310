"""Exercise 12's answer: the course's alarms, notifying the alerts topic, and the function's
latency objective (p99 above 3 s for three minutes in a row)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct


class PipelineMonitoring(Construct):
    """Failed builds, errors, throttles and slow answers, each alarm heard on the alerts topic."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        pipeline: codepipeline.IPipeline,
        projects: Mapping[str, codebuild.IProject],
        function: lambda_.IFunction,
        alarm_topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, id)
        # Alarms publish as the CloudWatch service: the topic's policy and its key must let it.
        alarm_topic.grant_publish(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
        failures = {f"{name}FailedBuilds": p.metric_failed_builds() for name, p in projects.items()}
        failures |= {"Errors": function.metric_errors(), "Throttles": function.metric_throttles()}
        alarms = [
            metric.create_alarm(
                self, name, threshold=1, evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            for name, metric in failures.items()
        ]
        # The latency objective: one slow minute is noise, three in a row page someone. A quiet
        # function has no Duration data at all, which is not a breach.
        alarms.append(
            function.metric_duration(statistic="p99", period=Duration.minutes(1)).create_alarm(
                self,
                "Latency",
                alarm_description="p99 latency above 3 s for 3 minutes",
                threshold=3000,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=3,
                datapoints_to_alarm=3,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )
        for alarm in alarms:
            alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
