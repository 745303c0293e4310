"""The full pipeline, assembled from the corrected constructs of every scenario written so far.

`app.py` at the repository root synthesizes it, so `npx cdk synth` works from the root; the final
notebook deploys it to the local AWS or, when asked, to a real account.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack, Tags
from constructs import Construct

from solutions.codebuild_configuration import (
    NodeProject,
    build_spec_for_build,
)
from solutions.hardcoded_environment import DeploymentConfig
from solutions.iam_least_privilege import (
    DeployProject,
    acknowledge_managed_policy,
    acknowledge_scoped_grants,
)
from solutions.incomplete_pipeline_stages import DeliveryPipeline
from solutions.lambda_runtime import ApplicationFunction
from solutions.s3_source_bucket import SourceBucket
from solutions.test_integration import UnitTests


class PipelineStack(Stack):
    """Source bucket, build/test/deploy projects, the application function and the pipeline."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str = "dev",
        config: DeploymentConfig | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        config = config or DeploymentConfig(stage=stage)
        source = SourceBucket(self, "Source")
        app = ApplicationFunction(self, "App", stage=config.stage)
        build = NodeProject(self, "Build", build_spec=build_spec_for_build())
        tests = UnitTests(self, "Tests")
        deploy = DeployProject(self, "Deploy", function=app.function, alias=app.alias)
        self.pipeline = DeliveryPipeline(
            self,
            "Delivery",
            source_bucket=source.bucket,
            build_project=build.project,
            test_project=tests.project,
            deploy_project=deploy.project,
        ).pipeline
        # cdk-nag's IAM findings that are not findings: CDK grants scoped to one resource, and
        # the logs-only execution policy Lambda documents for a function's role.
        acknowledge_scoped_grants(self, reason="CDK grant scoped to one resource of this stack")
        if app.function.role is not None:
            acknowledge_managed_policy(
                app.function.role,
                "AWSLambdaBasicExecutionRole",
                reason="AWS managed execution policy: CloudWatch Logs writes only",
            )
        Tags.of(self).add("Project", config.app_name)
        Tags.of(self).add("Environment", config.stage)
