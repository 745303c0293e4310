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
)
from solutions.incomplete_pipeline_stages import DeliveryPipeline
from solutions.lambda_runtime import ALIAS_NAME, ApplicationFunction
from solutions.s3_source_bucket import SourceBucket
from solutions.test_integration import UnitTests


class PipelineStack(Stack):
    """Source bucket, build/test/deploy projects, the application function and the pipeline."""

    def __init__(self, scope: Construct, id: str, *, stage: str = "dev", **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        source = SourceBucket(self, "Source")
        app = ApplicationFunction(self, "App", stage=stage)
        build = NodeProject(self, "Build", build_spec=build_spec_for_build())
        tests = UnitTests(self, "Tests")
        deploy = NodeProject(
            self,
            "Deploy",
            build_spec=build_spec_for_deploy(),
            environment_variables={
                "FUNCTION_NAME": codebuild.BuildEnvironmentVariable(
                    value=app.function.function_name
                ),
                "ALIAS_NAME": codebuild.BuildEnvironmentVariable(value=ALIAS_NAME),
            },
        )
        deploy.project.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "lambda:GetFunction",
                    "lambda:UpdateFunctionCode",
                    "lambda:PublishVersion",
                    "lambda:UpdateAlias",
                ],
                resources=[app.function.function_arn, app.alias.function_arn],
            )
        )
        self.pipeline = DeliveryPipeline(
            self,
            "Delivery",
            source_bucket=source.bucket,
            build_project=build.project,
            test_project=tests.project,
            deploy_project=deploy.project,
        ).pipeline
        Tags.of(self).add("Project", "pipeline-pitfalls")
        Tags.of(self).add("Environment", stage)
