"""Scenario 08: every release is a version, traffic moves to it gradually, and a bad one goes back.

- `GradualRelease`: the function is published as immutable versions (`fn.current_version`) behind
  a `live` alias, and CodeDeploy moves the alias to a new version in steps (canary: 10 % for five
  minutes, then the rest), rolling back by itself when the deployment fails or an alarm on the
  new version fires.
- `ReleasePipeline`: a V2 pipeline, Source -> Build -> Test -> Deploy, whose deploy stage rolls
  back to the last successful execution when it fails, and which hands the source object's S3
  version id to the deploy step, so every Lambda version records the upload it was built from.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

ALIAS_NAME = "live"


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
        # Judged on the alias, so the alarm sees the new version while it takes canary traffic.
        self.errors_alarm = cloudwatch.Alarm(
            self,
            "Errors",
            alarm_description="The live alias returns errors: CodeDeploy rolls the release back",
            metric=self.alias.metric_errors(period=Duration.minutes(1)),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
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


class ReleasePipeline(Construct):
    """A V2 pipeline whose deploy stage rolls back on failure and knows which upload it deploys."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source_bucket: s3.IBucket,
        build_project: codebuild.IProject,
        test_project: codebuild.IProject,
        deploy_project: codebuild.IProject,
        source_key: str = "source.zip",
        artifact_bucket: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, id)
        source = codepipeline.Artifact("Source")
        package = codepipeline.Artifact("Package")
        source_action = actions.S3SourceAction(
            action_name="Source",
            bucket=source_bucket,  # versioned: the action records the object version it took
            bucket_key=source_key,
            output=source,
            variables_namespace="Source",
        )
        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_type=codepipeline.PipelineType.V2,  # stage rollback needs a V2 pipeline
            artifact_bucket=artifact_bucket,
            stages=[
                codepipeline.StageProps(stage_name="Source", actions=[source_action]),
                codepipeline.StageProps(
                    stage_name="Build",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="Build",
                            project=build_project,
                            input=source,
                            outputs=[package],
                        )
                    ],
                ),
                codepipeline.StageProps(
                    stage_name="Test",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="UnitTests",
                            type=actions.CodeBuildActionType.TEST,
                            project=test_project,
                            input=source,
                        )
                    ],
                ),
                codepipeline.StageProps(
                    stage_name="Deploy",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="Deploy",
                            project=deploy_project,
                            input=package,
                            environment_variables={
                                # Recorded in the Lambda version's description by the deploy step.
                                "SOURCE_VERSION_ID": codebuild.BuildEnvironmentVariable(
                                    value=source_action.variables.version_id
                                )
                            },
                        )
                    ],
                    # A failed deploy goes back to the last execution that succeeded here.
                    on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK),
                ),
            ],
        )
