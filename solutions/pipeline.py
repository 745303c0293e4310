"""The full pipeline, assembled from the corrected constructs of every scenario written so far.

`app.py` at the repository root synthesizes it, so `npx cdk synth` works from the root; the final
notebook deploys it to the local AWS or, when asked, to a real account.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from constructs import Construct

from solutions.codebuild_configuration import (
    NodeProject,
    build_spec_for_build,
    build_spec_for_deploy,
    build_spec_for_tests,
)
from solutions.incomplete_pipeline_stages import DeliveryPipeline
from solutions.lambda_runtime import ALIAS_NAME, ApplicationFunction
from solutions.naming_and_tagging import PROJECT, Naming
from solutions.s3_source_bucket import SourceBucket


class PipelineStack(Stack):
    """Source bucket, build/test/deploy projects, the application function and the pipeline."""

    def __init__(self, scope: Construct, id: str, *, stage: str = "dev", **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        source = SourceBucket(self, "Source")
        app = ApplicationFunction(self, "App", stage=stage)
        build = NodeProject(self, "Build", build_spec=build_spec_for_build())
        tests = NodeProject(self, "Tests", build_spec=build_spec_for_tests())
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
        # Project and Environment tags on every taggable resource of the stack (scenario 09).
        Naming(PROJECT, stage).apply_tags(self)
