"""Scenario 08: every release is a version, traffic moves to it gradually, and a bad one goes back.

- `GradualRelease`: the function is published as immutable versions (`fn.current_version`) behind
  a `live` alias, and CodeDeploy moves the alias to a new version in steps (canary: 10 % for five
  minutes, then the rest), rolling back by itself when the deployment fails or the alarm on the
  new version's errors fires. All three belong to CloudFormation: the alias's
  `CodeDeployLambdaAliasUpdate` policy hands each change of version to CodeDeploy, and nothing
  else moves the alias (a hand `UpdateAlias` leaves the stack describing something else).
- `ReleasePipeline`: scenario 01's pipeline whose deploy stage rolls back to the last successful
  execution when it fails, and whose synth knows the source object's S3 version id, so every
  Lambda version records the upload it was built from.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from solutions.incomplete_pipeline_stages import DeliveryPipeline

ALIAS_NAME = "live"


def new_version_metric(
    alias: lambda_.Alias, metric_name: str, *, statistic: str = "Sum"
) -> cloudwatch.Metric:
    """`metric_name` of the alias's invocations that ran the version the alias is deployed to.

    Lambda reports invocations through an alias per executed version too (dimension
    ExecutedVersion): during a canary, that is the new version's share alone, where a metric of
    the alias mixes it with the old version's traffic.
    """
    function_name = alias.version.lambda_.function_name
    return cloudwatch.Metric(
        namespace="AWS/Lambda",
        metric_name=metric_name,
        dimensions_map={
            "FunctionName": function_name,
            "Resource": f"{function_name}:{alias.alias_name}",
            "ExecutedVersion": alias.version.version,
        },
        statistic=statistic,
        period=Duration.minutes(1),
    )


class GradualRelease(Construct):
    """A `live` alias on published versions, moved by CodeDeploy canary with automatic rollback."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: lambda_.Function,
        deployment_config: codedeploy.ILambdaDeploymentConfig = (
            codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES
        ),
    ) -> None:
        super().__init__(scope, id)
        # current_version publishes a new AWS::Lambda::Version whenever the code or config changes.
        self.alias = lambda_.Alias(
            self, "Alias", alias_name=ALIAS_NAME, version=function.current_version
        )
        # Judged on the new version alone (ExecutedVersion), so a canary's errors are not diluted
        # by the old version's traffic.
        self.errors_alarm = cloudwatch.Alarm(
            self,
            "Errors",
            alarm_description="The new version returns errors: CodeDeploy rolls the release back",
            metric=new_version_metric(self.alias, "Errors"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        # The alarm must watch the new version before CodeDeploy starts sending it traffic.
        self.alias.node.add_dependency(self.errors_alarm)
        self.deployment_group = codedeploy.LambdaDeploymentGroup(
            self,
            "Deployment",
            alias=self.alias,
            deployment_config=deployment_config,
            alarms=[self.errors_alarm],
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
        )


class ReleasePipeline(DeliveryPipeline):
    """Scenario 01's pipeline, whose deploy stage rolls back on failure and whose synth knows
    which upload it builds."""

    def synth_variables(self) -> dict[str, codebuild.BuildEnvironmentVariable]:
        # The S3 version id the source action took: the synth writes it into the function's
        # description, so each Lambda version records its upload (and a new upload, even of old
        # code, makes a new version).
        return {
            "SOURCE_VERSION_ID": codebuild.BuildEnvironmentVariable(
                value=self.source_action.variables.version_id
            )
        }

    def deploy_failure(self) -> codepipeline.FailureConditions:
        # A failed deploy goes back to the last execution that succeeded here (V2 pipelines).
        return codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK)
