"""The full pipeline, assembled from the corrected constructs of every scenario written so far.

`app.py` at the repository root synthesizes it, so `npx cdk synth` works from the root; the final
notebook deploys it to the local AWS or, when asked, to a real account.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack, Tags
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

from solutions.codebuild_configuration import (
    NodeProject,
    build_spec_for_build,
    build_spec_for_deploy,
    build_spec_for_tests,
)
from solutions.incomplete_pipeline_stages import DeliveryPipeline
from solutions.lambda_runtime import ALIAS_NAME, ApplicationFunction
from solutions.monitoring_and_logging import AccessLogsBucket, AuditTrail, PipelineMonitoring
from solutions.s3_source_bucket import SourceBucket
from solutions.security_and_encryption import ArtifactsBucket, PipelineKey, SecurityScan


class PipelineStack(Stack):
    """Source bucket, build/test/deploy projects, the application function and the pipeline."""

    def __init__(self, scope: Construct, id: str, *, stage: str = "dev", **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        key = PipelineKey(self, "Key").key
        access_logs = AccessLogsBucket(self, "AccessLogs").bucket
        source = SourceBucket(self, "Source", encryption_key=key, access_logs=access_logs)
        artifacts = ArtifactsBucket(self, "Artifacts", encryption_key=key, access_logs=access_logs)
        app = ApplicationFunction(self, "App", stage=stage, log_encryption_key=key)
        build = NodeProject(self, "Build", build_spec=build_spec_for_build(), encryption_key=key)
        tests = NodeProject(self, "Tests", build_spec=build_spec_for_tests(), encryption_key=key)
        deploy = NodeProject(
            self,
            "Deploy",
            build_spec=build_spec_for_deploy(),
            encryption_key=key,
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
            artifact_bucket=artifacts.bucket,
        ).pipeline
        scan = SecurityScan(self, "Scan", encryption_key=key)
        scan.add_to(self.pipeline)
        AuditTrail(self, "Audit", source_bucket=source.bucket, encryption_key=key, access_logs=access_logs)
        # Scenario 06's alerts topic replaces this one when it joins the full pipeline.
        alerts = sns.Topic(self, "Alerts", master_key=key, enforce_ssl=True)
        PipelineMonitoring(
            self,
            "Monitoring",
            pipeline=self.pipeline,
            projects={
                "Build": build.project,
                "Tests": tests.project,
                "Deploy": deploy.project,
                "Scan": scan.project,
            },
            function=app.function,
            alarm_topic=alerts,
        )
        Tags.of(self).add("Project", "pipeline-pitfalls")
        Tags.of(self).add("Environment", stage)
