"""The full pipeline, assembled from the corrected constructs of every scenario.

`app.py` at the repository root synthesizes it, so `npx cdk synth` works from the root; the final
notebook deploys it to the local AWS or, when asked, to a real account.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from solutions.codebuild_configuration import NodeProject, build_spec_for_build
from solutions.deployment_validation import ValidatedDeployment, add_smoke_test
from solutions.failure_notifications import FailureNotifications, notification_email
from solutions.hardcoded_environment import DeploymentConfig
from solutions.iam_least_privilege import (
    DeployProject,
    acknowledge_managed_policy,
    acknowledge_scoped_grants,
)
from solutions.lambda_runtime import APP_SOURCE, ApplicationFunction
from solutions.monitoring_and_logging import AccessLogsBucket, AuditTrail, PipelineMonitoring
from solutions.naming_and_tagging import Naming
from solutions.s3_source_bucket import SourceBucket
from solutions.security_and_encryption import ArtifactsBucket, PipelineKey, SecurityScan
from solutions.test_integration import UnitTests
from solutions.versioning_and_rollback import GradualRelease, ReleasePipeline


class PipelineStack(Stack):
    """Source, build, tests, security scan and a validated canary deploy of the function."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str = "dev",
        config: DeploymentConfig | None = None,
        app_source: Path = APP_SOURCE,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        config = config or DeploymentConfig(stage=stage)
        # One customer-managed key (11) for artifacts, source, logs and the alerts topic.
        key = PipelineKey(self, "Key").key
        access_logs = AccessLogsBucket(self, "AccessLogs").bucket  # 12
        source = SourceBucket(self, "Source", encryption_key=key, access_logs=access_logs)  # 07
        artifacts = ArtifactsBucket(self, "Artifacts", encryption_key=key, access_logs=access_logs)
        app = ApplicationFunction(  # 05
            self, "App", stage=config.stage, code_dir=app_source, log_encryption_key=key
        )
        # Versions behind a live alias, shifted by CodeDeploy (08), checked by a hook, alarms and a
        # smoke test (14).
        release = GradualRelease(self, "Release", function=app.function)
        validation = ValidatedDeployment(
            self,
            "Validation",
            alias=release.alias,
            deployment_group=release.deployment_group,
            encryption_key=key,
        )
        build = NodeProject(  # 04
            self, "Build", build_spec=build_spec_for_build(), encryption_key=key
        )
        tests = UnitTests(self, "Tests", encryption_key=key)  # 13
        deploy = DeployProject(  # 02
            self,
            "Deploy",
            function=app.function,
            alias=release.alias,
            deployment_group=release.deployment_group,
            pre_traffic_hook=validation.pre_traffic_hook,
            encryption_key=key,
        )
        self.pipeline = ReleasePipeline(  # 01 and 08
            self,
            "Delivery",
            source_bucket=source.bucket,
            build_project=build.project,
            test_project=tests.project,
            deploy_project=deploy.project,
            artifact_bucket=artifacts.bucket,
        ).pipeline
        scan = SecurityScan(self, "Scan", encryption_key=key)  # 11
        scan.add_to(self.pipeline)
        add_smoke_test(self.pipeline, validation.smoke_test)
        alerts = FailureNotifications(  # 06
            self,
            "Notifications",
            pipeline=self.pipeline,
            email=notification_email(self),
            encryption_key=key,
        )
        AuditTrail(  # 12
            self, "Audit", source_bucket=source.bucket, encryption_key=key, access_logs=access_logs
        )
        PipelineMonitoring(
            self,
            "Monitoring",
            pipeline=self.pipeline,
            projects={
                "Build": build.project,
                "Tests": tests.project,
                "Deploy": deploy.project,
                "Scan": scan.project,
                "SmokeTest": validation.smoke_test,
            },
            function=app.function,
            alarm_topic=alerts.topic,
            helper_functions={"PreTrafficHook": validation.pre_traffic_hook},
        )
        # cdk-nag's IAM findings that are not findings (02): CDK grants scoped to one resource,
        # and the narrow AWS managed policies AWS documents for these service roles.
        acknowledge_scoped_grants(self, reason="CDK grant scoped to one resource of this stack")
        logs_only = "AWS managed execution policy: CloudWatch Logs writes only"
        for role, policy, reason in (
            (app.function.role, "AWSLambdaBasicExecutionRole", logs_only),
            (validation.pre_traffic_hook.role, "AWSLambdaBasicExecutionRole", logs_only),
            (
                release.deployment_group.role,
                "AWSCodeDeployRoleForLambdaLimited",
                "the AWS managed policy CodeDeploy documents for Lambda deployments",
            ),
        ):
            if role is not None:
                acknowledge_managed_policy(role, policy, reason=reason)
        # Project and Environment tags on every taggable resource of the stack (09).
        Naming(config.app_name, config.stage).apply_tags(self)
