"""The full pipeline, assembled from the corrected constructs of every scenario written so far.

`app.py` at the repository root synthesizes it, so `npx cdk synth` works from the root; the final
notebook deploys it to the local AWS or, when asked, to a real account.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack, Tags
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from constructs import Construct

from solutions.codebuild_configuration import (
    NodeProject,
    build_spec_for_build,
    build_spec_for_deploy,
    build_spec_for_tests,
)
from solutions.failure_notifications import FailureNotifications, notification_email
from solutions.lambda_runtime import ApplicationFunction
from solutions.s3_source_bucket import SourceBucket
from solutions.versioning_and_rollback import ALIAS_NAME, GradualRelease, ReleasePipeline


class PipelineStack(Stack):
    """Source bucket, build/test/deploy projects, the application function and the pipeline."""

    def __init__(self, scope: Construct, id: str, *, stage: str = "dev", **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        source = SourceBucket(self, "Source")
        app = ApplicationFunction(self, "App", stage=stage)
        release = GradualRelease(self, "Release", function=app.function)
        build = NodeProject(self, "Build", build_spec=build_spec_for_build())
        tests = NodeProject(self, "Tests", build_spec=build_spec_for_tests())
        group = release.deployment_group
        deploy = NodeProject(
            self,
            "Deploy",
            build_spec=build_spec_for_deploy(),
            environment_variables={
                name: codebuild.BuildEnvironmentVariable(value=value)
                for name, value in {
                    "FUNCTION_NAME": app.function.function_name,
                    "ALIAS_NAME": ALIAS_NAME,
                    "APPLICATION_NAME": group.application.application_name,
                    "DEPLOYMENT_GROUP_NAME": group.deployment_group_name,
                }.items()
            },
        )
        # The deploy step publishes a version, then asks CodeDeploy to move the alias to it.
        deploy.project.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "lambda:GetFunction",
                    "lambda:UpdateFunctionCode",
                    "lambda:PublishVersion",
                    "lambda:GetAlias",
                ],
                resources=[app.function.function_arn, release.alias.function_arn],
            )
        )
        deploy.project.add_to_role_policy(
            iam.PolicyStatement(
                actions=["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
                resources=[group.deployment_group_arn],
            )
        )
        deploy.project.add_to_role_policy(
            iam.PolicyStatement(
                actions=["codedeploy:GetDeploymentConfig"],
                resources=[group.deployment_config.deployment_config_arn],
            )
        )
        deploy.project.add_to_role_policy(
            iam.PolicyStatement(
                actions=["codedeploy:RegisterApplicationRevision", "codedeploy:GetApplicationRevision"],
                resources=[group.application.application_arn],
            )
        )
        self.pipeline = ReleasePipeline(
            self,
            "Delivery",
            source_bucket=source.bucket,
            build_project=build.project,
            test_project=tests.project,
            deploy_project=deploy.project,
        ).pipeline
        FailureNotifications(
            self, "Notifications", pipeline=self.pipeline, email=notification_email(self)
        )
        Tags.of(self).add("Project", "pipeline-pitfalls")
        Tags.of(self).add("Environment", stage)
