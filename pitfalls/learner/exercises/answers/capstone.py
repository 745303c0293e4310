"""The capstone's answer: Sam's pipeline with its seven defects fixed, one comment per fix."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_codepipeline_actions as actions
from constructs import Construct

from solutions.codebuild_configuration import BuildProject, NodeProject, build_spec_for_synth
from solutions.failure_notifications import FailureNotifications, notification_email
from solutions.hardcoded_environment import DeploymentConfig
from solutions.iam_least_privilege import StackDeploymentRole
from solutions.monitoring_and_logging import AccessLogsBucket, AuditTrail, PipelineMonitoring
from solutions.pipeline import ALERTS_TOPIC_PARAMETER, LOGS_KEY_PARAMETER, function_name
from solutions.s3_source_bucket import SourceBucket
from solutions.security_and_encryption import ArtifactsBucket, PipelineKey
from solutions.test_integration import UnitTests
from solutions.versioning_and_rollback import ReleasePipeline


class OrdersPipeline(Construct):
    """Sam's pipeline for the orders service: it builds, tests and deploys the app stack, and
    tells a person when it fails."""

    def __init__(self, scope: Construct, id: str, *, config: DeploymentConfig) -> None:
        super().__init__(scope, id)
        app_stack = config.app_stack_name
        key = PipelineKey(self, "Key").key
        logs = AccessLogsBucket(self, "AccessLogs").bucket
        # 07: versioned (the S3 source reads an object version), old versions expire.
        uploads = SourceBucket(self, "Uploads", encryption_key=key, access_logs=logs).bucket
        artifacts = ArtifactsBucket(self, "Artifacts", encryption_key=key, access_logs=logs)
        build = BuildProject(self, "Build", encryption_key=key)
        synth = NodeProject(self, "Synth", build_spec=build_spec_for_synth(app_stack),
                            encryption_key=key)
        tests = UnitTests(self, "Tests", encryption_key=key)
        # 02: CloudFormation may change the application stack's resources, and nothing else.
        deployer = StackDeploymentRole(self, "Deployer", stack_name=app_stack,
                                       function_names=[function_name(config)]).role
        alerts_topic = config.name("alerts")
        self.pipeline = ReleasePipeline(
            self,
            "Delivery",
            source_bucket=uploads,
            build_project=build.project,
            synth_project=synth.project,
            test_project=tests.project,
            application_stack=app_stack,
            deployment_role=deployer,
            deploy_parameters={
                LOGS_KEY_PARAMETER: key.key_arn,
                # 03: this account and region, whichever the stack deploys to.
                ALERTS_TOPIC_PARAMETER: Stack.of(self).format_arn(service="sns", resource=alerts_topic),
            },
            trigger=actions.S3Trigger.EVENTS,
            artifact_bucket=artifacts.bucket,
        ).pipeline
        # 12: S3Trigger.EVENTS starts on the trail's record of the upload.
        AuditTrail(self, "Audit", source_bucket=uploads, encryption_key=key, access_logs=logs)
        # 06: a failure reaches a person (the topic has a subscriber); 11: the topic is
        # encrypted with the pipeline's key; 09: its name carries the stage.
        alerts = FailureNotifications(self, "Notifications", pipeline=self.pipeline,
                                      email=notification_email(self), encryption_key=key,
                                      topic_name=alerts_topic)
        PipelineMonitoring(
            self,
            "Monitoring",
            pipeline=self.pipeline,
            projects={"Build": build.project, "Synth": synth.project, "Tests": tests.project},
            alarm_topic=alerts.topic,
        )
