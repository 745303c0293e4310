"""Exercise 08's answer: the payments release, linear through the `stable` alias, rolled back on
failure and on alarm."""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct


class GradualRelease(Construct):
    """Published versions behind `stable`, moved 10 % more every minute, back on errors."""

    def __init__(self, scope: Construct, id: str, *, function: lambda_.Function) -> None:
        super().__init__(scope, id)
        # current_version publishes a new AWS::Lambda::Version whenever the code or config changes.
        self.alias = lambda_.Alias(self, "Alias", alias_name="stable", version=function.current_version)
        self.errors_alarm = cloudwatch.Alarm(
            self,
            "Errors",
            alarm_description="The release returns errors: CodeDeploy rolls it back",
            metric=self.alias.metric_errors(),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.deployment_group = codedeploy.LambdaDeploymentGroup(
            self,
            "Deployment",
            alias=self.alias,
            # Ten steps a minute apart: a bad release reaches at most the share it has when the
            # alarm fires.
            deployment_config=codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_1_MINUTE,
            alarms=[self.errors_alarm],
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
        )
