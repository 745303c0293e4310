"""The full pipeline, assembled from the corrected constructs of every scenario, as two stacks with
one owner each.

- `PipelineStack`: the delivery machinery (buckets, key, trail, pipeline, projects, alerts,
  monitoring). A person deploys it, once, with `cdk deploy`.
- `ApplicationStack`: the function, its versions, the `live` alias, the canary deployment group,
  its alarms and hook, their log groups. Only the pipeline deploys it: its Deploy stage hands
  CloudFormation the template the Synth action made and the package the Build stage made and the
  Test stage tested, and CloudFormation, working as a role scoped to this stack, does the rest
  (CodeDeploy's canary included). No command line changes what this stack owns.

`app.py` at the repository root synthesizes both, so `npx cdk synth` works from the root; the
pipeline's Synth action synthesizes the application stack from the uploaded source.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, CfnParameter, DefaultStackSynthesizer, Stack
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from solutions.codebuild_configuration import BuildProject, NodeProject, build_spec_for_synth
from solutions.deployment_validation import SmokeTest, ValidatedDeployment, add_smoke_test
from solutions.failure_notifications import FailureNotifications, notification_email
from solutions.hardcoded_environment import DeploymentConfig
from solutions.iam_least_privilege import (
    StackDeploymentRole,
    acknowledge_managed_policy,
    acknowledge_scoped_grants,
)
from solutions.lambda_runtime import ApplicationFunction, code_from_pipeline
from solutions.monitoring_and_logging import (
    AccessLogsBucket,
    AuditTrail,
    FunctionAlarms,
    PipelineMonitoring,
)
from solutions.naming_and_tagging import Naming
from solutions.s3_source_bucket import SourceBucket
from solutions.security_and_encryption import ArtifactsBucket, PipelineKey, SecurityScan
from solutions.test_integration import UnitTests
from solutions.versioning_and_rollback import ALIAS_NAME, GradualRelease, ReleasePipeline

# The stack parameters through which the pipeline hands the application stack what it shares:
# the key for the log groups, and the topic the alarms notify.
LOGS_KEY_PARAMETER = "LogsKeyArn"
ALERTS_TOPIC_PARAMETER = "AlertsTopicArn"


def function_name(config: DeploymentConfig) -> str:
    """The application's function, named (scenario 09) so the pipeline's stack can test it and
    scope its deployment role to it without a reference into the other stack."""
    return config.name("app")


class ApplicationStack(Stack):
    """The function and its release machinery; only the pipeline deploys it.

    It has no code of its own (`code_from_pipeline`): `cdk deploy` of it by hand stops at the
    parameters only the pipeline can fill. `source_version` (the pipeline's Synth action passes
    the S3 version id of the upload) goes into the function's description, so each upload makes a
    new Lambda version that says where it came from.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str = "dev",
        config: DeploymentConfig | None = None,
        source_version: str | None = None,
        **kwargs: Any,
    ) -> None:
        # No assets and no CDK bootstrap resources: the pipeline hands the template to
        # CloudFormation itself, so there is no bootstrap version to check.
        kwargs.setdefault(
            "synthesizer", DefaultStackSynthesizer(generate_bootstrap_version_rule=False)
        )
        super().__init__(scope, id, **kwargs)
        config = config or DeploymentConfig(stage=stage)
        logs_key = kms.Key.from_key_arn(
            self,
            "LogsKey",
            CfnParameter(
                self, LOGS_KEY_PARAMETER, type="String",
                description="The pipeline's KMS key, for the log groups (scenario 11)",
            ).value_as_string,
        )
        app = ApplicationFunction(  # 05
            self,
            "App",
            stage=config.stage,
            code=code_from_pipeline(self),
            function_name=function_name(config),
            description=f"{config.app_name} {config.stage}"
            + (f", from source version {source_version}" if source_version else ""),
            log_encryption_key=logs_key,
        )
        # Versions behind a live alias, shifted by CodeDeploy's canary and rolled back on the new
        # version's errors (08), checked by a pre-traffic hook and a latency alarm (14).
        release = GradualRelease(self, "Release", function=app.function)
        validation = ValidatedDeployment(
            self,
            "Validation",
            alias=release.alias,
            deployment_group=release.deployment_group,
            encryption_key=logs_key,
            smoke_test=False,  # the pipeline's stack runs it, after the deploy
        )
        alerts = sns.Topic.from_topic_arn(
            self,
            "Alerts",
            CfnParameter(self, ALERTS_TOPIC_PARAMETER, type="String",
                         description="The pipeline's alerts topic (scenarios 06 and 12)").value_as_string,
        )
        FunctionAlarms(  # 12: the functions' alarms live with the functions
            self,
            "Monitoring",
            functions={"Function": app.function, "PreTrafficHook": validation.pre_traffic_hook},
            alarm_topic=alerts,
        )
        CfnOutput(self, "LiveVersion", value=release.alias.version.version,
                  description="The version this template puts behind the live alias")
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
        Naming(config.app_name, config.stage).apply_tags(self)  # 09


class PipelineStack(Stack):
    """Source, build, synth, tests, security scan, and a deploy of the application stack through
    CloudFormation, with a smoke test; failure alerts, monitoring, an audit trail."""

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
        app_stack, alerts_topic = config.app_stack_name, config.name("alerts")
        # One customer-managed key (11) for artifacts, source, logs and the alerts topic.
        key = PipelineKey(self, "Key").key
        access_logs = AccessLogsBucket(self, "AccessLogs").bucket  # 12
        source = SourceBucket(self, "Source", encryption_key=key, access_logs=access_logs)  # 07
        artifacts = ArtifactsBucket(self, "Artifacts", encryption_key=key, access_logs=access_logs)
        build = BuildProject(self, "Build", encryption_key=key)  # 04
        synth = NodeProject(self, "Synth", build_spec=build_spec_for_synth(app_stack),
                            encryption_key=key)
        tests = UnitTests(self, "Tests", encryption_key=key)  # 13
        # CloudFormation's role for the application stack: that stack's resources only (02).
        deployer = StackDeploymentRole(self, "Deployer", stack_name=app_stack,
                                       function_names=[function_name(config)])
        self.pipeline = ReleasePipeline(  # 01 and 08
            self,
            "Delivery",
            source_bucket=source.bucket,
            build_project=build.project,
            synth_project=synth.project,
            test_project=tests.project,
            application_stack=app_stack,
            deployment_role=deployer.role,
            # The key, and the alerts topic made below (for the pipeline's own failures).
            deploy_parameters={
                LOGS_KEY_PARAMETER: key.key_arn,
                ALERTS_TOPIC_PARAMETER: self.format_arn(service="sns", resource=alerts_topic),
            },
            trigger=actions.S3Trigger.EVENTS,  # an upload starts it; the trail below records it
            artifact_bucket=artifacts.bucket,
        ).pipeline
        scan = SecurityScan(self, "Scan", encryption_key=key, template=True)  # 11
        scan.add_to(self.pipeline)
        function = lambda_.Function.from_function_name(self, "AppFunction", function_name(config))
        smoke_test = SmokeTest(self, "SmokeTest", function=function, alias_name=ALIAS_NAME,
                               encryption_key=key).project  # 14
        add_smoke_test(self.pipeline, smoke_test)
        alerts = FailureNotifications(  # 06
            self,
            "Notifications",
            pipeline=self.pipeline,
            email=notification_email(self),
            encryption_key=key,
            topic_name=alerts_topic,  # its ARN is a parameter of the application stack
        )
        # The trail records the source bucket's writes: the data events S3Trigger.EVENTS needs.
        AuditTrail(  # 12
            self, "Audit", source_bucket=source.bucket, encryption_key=key, access_logs=access_logs
        )
        PipelineMonitoring(
            self,
            "Monitoring",
            pipeline=self.pipeline,
            projects={
                "Build": build.project,
                "Synth": synth.project,
                "Tests": tests.project,
                "Scan": scan.project,
                "SmokeTest": smoke_test,
            },
            alarm_topic=alerts.topic,
        )
        # cdk-nag's IAM findings that are not findings (02): CDK grants scoped to one resource,
        # and the CloudFormation action's rights on the one stack it deploys.
        acknowledge_scoped_grants(
            self,
            reason="CDK grant scoped to one resource of this stack, or to the application stack",
            name_prefixes=[f":stack/{app_stack}/"],
        )
        # Project and Environment tags on every taggable resource of the stack (09).
        Naming(config.app_name, config.stage).apply_tags(self)
