"""The hurried version of scenario 10: the whole delivery app in one 300-line constructor.

It is deliberately the code a team ends up with when every fix is made where the error showed
up: it synthesizes, the runtime errors of the notebook having been patched one by one (the last
with an escape hatch whose property name is in the wrong case). Notebook 10 synthesizes it and the
exercise grades it; the corrected design is `solutions/cdk_code_errors.py`. It lives in a file
because 300 lines do not belong in a notebook cell.
"""
# ruff: noqa: E501  (hurried code: long lines are part of the picture)

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Tags
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct


class HurriedDeliveryApp(Construct):
    def __init__(self, scope, id, props):
        super().__init__(scope, id)
        stage = props.stage

        # ---- encryption ---------------------------------------------------------------
        key = kms.Key(
            self,
            "ArtifactsKey",
            enable_key_rotation=True,
            description="pipeline artifacts",
            removal_policy=RemovalPolicy.DESTROY,
        )

        # ---- source bucket ------------------------------------------------------------
        source_bucket = s3.Bucket(
            self,
            "SourceBucket",
            versioned=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

        # ---- artifacts bucket (was the default one, then we needed the key) -----------
        artifacts_bucket = s3.Bucket(
            self,
            "ArtifactsBucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=False,
        )

        # ---- logs ---------------------------------------------------------------------
        build_logs = logs.LogGroup(
            self,
            "BuildLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        test_logs = logs.LogGroup(
            self,
            "TestLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        deploy_logs = logs.LogGroup(
            self,
            "DeployLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        function_logs = logs.LogGroup(
            self,
            "FunctionLogs",
            retention=logs.RetentionDays.ONE_MONTH,
        )

        # ---- the function -------------------------------------------------------------
        # `runtime="nodejs24.x"` raised a TypeError; Runtime.NODEJS_24_X it is.
        fn = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.NODEJS_24_X,
            handler="src/index.handler",
            code=lambda_.Code.from_asset(
                str(props.code_dir),
                exclude=["test", "node_modules", "coverage", "*.zip"],
            ),
            memory_size=256,
            timeout=Duration.seconds(10),
            environment={"APP_STAGE": stage},
            log_group=function_logs,
        )
        alias = lambda_.Alias(
            self,
            "LiveAlias",
            alias_name="live",
            version=fn.current_version,
        )

        # ---- build project ------------------------------------------------------------
        build_project = codebuild.PipelineProject(
            self,
            "BuildProject",
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
            ),
            encryption_key=key,
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=build_logs)
            ),
            build_spec=codebuild.BuildSpec.from_object(
                {
                    "version": "0.2",
                    "phases": {
                        "install": {
                            "runtime-versions": {"nodejs": "24"},
                            "commands": ["npm ci --omit=dev"],
                        },
                        "build": {
                            "commands": [
                                "zip -qr function.zip package.json src",
                                "if [ -d node_modules ]; then zip -qr function.zip node_modules; fi",
                            ]
                        },
                    },
                    "artifacts": {"files": ["function.zip"]},
                }
            ),
        )
        # `queuedTimeout=Duration.minutes(30)` raised a TypeError, so: straight into the template.
        build_project.node.default_child.add_property_override("queuedTimeoutInMinutes", 30)

        # ---- test project -------------------------------------------------------------
        test_project = codebuild.PipelineProject(
            self,
            "TestProject",
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
            ),
            encryption_key=key,
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=test_logs)
            ),
            build_spec=codebuild.BuildSpec.from_object(
                {
                    "version": "0.2",
                    "phases": {
                        "install": {
                            "runtime-versions": {"nodejs": "24"},
                            "commands": ["npm ci"],
                        },
                        "build": {"commands": ["npm test"]},
                    },
                }
            ),
        )

        # ---- deploy project -----------------------------------------------------------
        deploy_project = codebuild.PipelineProject(
            self,
            "DeployProject",
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
            ),
            encryption_key=key,
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=deploy_logs)
            ),
            environment_variables={
                "FUNCTION_NAME": codebuild.BuildEnvironmentVariable(value=fn.function_name),
                "ALIAS_NAME": codebuild.BuildEnvironmentVariable(value="live"),
            },
            build_spec=codebuild.BuildSpec.from_object(
                {
                    "version": "0.2",
                    "phases": {
                        "build": {
                            "commands": [
                                'aws lambda update-function-code --function-name "$FUNCTION_NAME" --zip-file fileb://function.zip >/dev/null',
                                'aws lambda wait function-updated-v2 --function-name "$FUNCTION_NAME"',
                                'VERSION=$(aws lambda publish-version --function-name "$FUNCTION_NAME" --query Version --output text)',
                                'aws lambda update-alias --function-name "$FUNCTION_NAME" --name "$ALIAS_NAME" --function-version "$VERSION"',
                            ]
                        }
                    },
                }
            ),
        )
        deploy_project.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "lambda:GetFunction",
                    "lambda:UpdateFunctionCode",
                    "lambda:PublishVersion",
                    "lambda:UpdateAlias",
                ],
                resources=[fn.function_arn, alias.function_arn],
            )
        )

        # ---- the pipeline -------------------------------------------------------------
        source_output = codepipeline.Artifact("Source")
        package_output = codepipeline.Artifact("Package")
        pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_type=codepipeline.PipelineType.V2,
            artifact_bucket=artifacts_bucket,
        )
        pipeline.add_stage(
            stage_name="Source",
            actions=[
                actions.S3SourceAction(
                    action_name="Source",
                    bucket=source_bucket,
                    bucket_key="source.zip",
                    output=source_output,
                )
            ],
        )
        pipeline.add_stage(
            stage_name="Build",
            actions=[
                actions.CodeBuildAction(
                    action_name="Build",
                    project=build_project,
                    input=source_output,
                    outputs=[package_output],
                )
            ],
        )
        pipeline.add_stage(
            stage_name="Test",
            actions=[
                actions.CodeBuildAction(
                    action_name="UnitTests",
                    type=actions.CodeBuildActionType.TEST,
                    project=test_project,
                    input=source_output,
                )
            ],
        )
        pipeline.add_stage(
            stage_name="Deploy",
            actions=[
                actions.CodeBuildAction(
                    action_name="Deploy",
                    project=deploy_project,
                    input=package_output,
                )
            ],
        )

        # ---- alerts -------------------------------------------------------------------
        topic = sns.Topic(self, "AlertsTopic", enforce_ssl=True)
        for email in props.alert_emails:
            topic.add_subscription(subscriptions.EmailSubscription(email))
        events.Rule(
            self,
            "PipelineFailedRule",
            event_pattern=events.EventPattern(
                source=["aws.codepipeline"],
                detail_type=["CodePipeline Pipeline Execution State Change"],
                detail={"state": ["FAILED"], "pipeline": [pipeline.pipeline_name]},
            ),
            targets=[targets.SnsTopic(topic)],
        )
        events.Rule(
            self,
            "BuildFailedRule",
            event_pattern=events.EventPattern(
                source=["aws.codebuild"],
                detail_type=["CodeBuild Build State Change"],
                detail={
                    "build-status": ["FAILED"],
                    "project-name": [build_project.project_name, test_project.project_name],
                },
            ),
            targets=[targets.SnsTopic(topic)],
        )
        errors_alarm = cloudwatch.Alarm(
            self,
            "FunctionErrorsAlarm",
            metric=alias.metric_errors(period=Duration.minutes(1)),
            threshold=1,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        errors_alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))

        # ---- outputs and tags ---------------------------------------------------------
        CfnOutput(self, "SourceBucketName", value=source_bucket.bucket_name)
        CfnOutput(self, "PipelineName", value=pipeline.pipeline_name)
        CfnOutput(self, "FunctionName", value=fn.function_name)
        CfnOutput(self, "AlertsTopicArn", value=topic.topic_arn)
        Tags.of(self).add("Project", "pipeline-pitfalls")
        Tags.of(self).add("Environment", stage)
