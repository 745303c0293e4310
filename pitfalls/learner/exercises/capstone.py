"""The capstone (the final notebook): a teammate's pipeline with defects from several scenarios.

Sam wrote the orders team's pipeline stack from the team's constructs (`solutions/`) and a few
lines of their own. It synthesizes and it deploys; it also has seven defects, each from a
different scenario and none written as any notebook's hurried code: the learner finds them with
the course's checks (every scenario's, not one), fixes them, and releases the result through the
pipeline on the local AWS (`pitfalls.learner.capstone.release`).

It registers like every exercise, under the final notebook's number, and `covers` every
scenario, so all the course's checks grade it; `promised` names one finding per planted defect.
"""

from __future__ import annotations

from typing import Any

from pitfalls import scenarios
from pitfalls.learner.exercise import Exercise, register

NUMBER = scenarios.final().number
STACK_SUFFIX = "Orders"  # the capstone's pipeline stack: <the course's stack name>-Orders


def config() -> Any:
    """The deployment configuration the capstone's stack is built with (app.py's default)."""
    from solutions.hardcoded_environment import DeploymentConfig

    return DeploymentConfig(stage="dev")


def harness(stack: Any, cls: type) -> None:
    """The learner's pipeline in a stack of its own, tagged and with the CDK grants acknowledged
    to cdk-nag as the course's pipeline stack does (notebook 15)."""
    from solutions.iam_least_privilege import acknowledge_scoped_grants
    from solutions.naming_and_tagging import Naming

    cfg = config()
    cls(stack, "Orders", config=cfg)
    acknowledge_scoped_grants(
        stack,
        reason="CDK grant scoped to one resource of this stack, or to the application stack",
        name_prefixes=[f":stack/{cfg.app_stack_name}/"],
    )
    Naming(cfg.app_name, cfg.stage).apply_tags(stack)


# One finding per planted defect: what the starter must fail with (tests/test_capstone.py).
DEFECTS = {
    "PP02-ADMIN-ACCESS": "CloudFormation's deploy role holds AdministratorAccess",
    "PP03-LITERAL-ACCOUNT": "the alerts topic's ARN, pasted from another account's console",
    "PP06-TOPIC-NO-SUBSCRIPTION": "the alerts topic has nobody subscribed",
    "PP07-SOURCE-NOT-VERSIONED": "the uploads bucket is not versioned",
    "PP09-NAME-WITHOUT-ENVIRONMENT": "the alerts topic's name says nothing of the stage",
    "PP11-TOPIC-NOT-ENCRYPTED": "the alerts topic is not encrypted with the pipeline's key",
    "PP12-EVENTS-NOT-RECORDED": "an upload starts the pipeline through a trail that is not there",
}

STARTER = """\
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from solutions.codebuild_configuration import BuildProject, NodeProject, build_spec_for_synth
from solutions.monitoring_and_logging import AccessLogsBucket, PipelineMonitoring
from solutions.pipeline import ALERTS_TOPIC_PARAMETER, LOGS_KEY_PARAMETER
from solutions.security_and_encryption import ArtifactsBucket, PipelineKey
from solutions.test_integration import UnitTests
from solutions.versioning_and_rollback import ReleasePipeline


class OrdersPipeline(Construct):
    \"\"\"Sam's pipeline for the orders service: it builds, tests and deploys the app stack.\"\"\"

    def __init__(self, scope, id, *, config):
        super().__init__(scope, id)
        app_stack = config.app_stack_name
        key = PipelineKey(self, "Key").key
        logs = AccessLogsBucket(self, "AccessLogs").bucket
        uploads = s3.Bucket(
            self,
            "Uploads",
            encryption_key=key,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=logs,
            server_access_logs_prefix="uploads/",
        )
        artifacts = ArtifactsBucket(self, "Artifacts", encryption_key=key, access_logs=logs)
        build = BuildProject(self, "Build", encryption_key=key)
        synth = NodeProject(self, "Synth", build_spec=build_spec_for_synth(app_stack),
                            encryption_key=key)
        tests = UnitTests(self, "Tests", encryption_key=key)
        # CloudFormation kept failing on missing permissions, so it gets all of them.
        deployer = iam.Role(
            self,
            "Deployer",
            assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")],
        )
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
                # Copied from the console, where the topic was tried out first.
                ALERTS_TOPIC_PARAMETER: "arn:aws:sns:eu-west-1:111122223333:orders-alerts",
            },
            trigger=actions.S3Trigger.EVENTS,  # start on upload, not by polling
            artifact_bucket=artifacts.bucket,
        ).pipeline
        alerts = sns.Topic(self, "Alerts", topic_name="orders-alerts")
        self.pipeline.on_state_change(
            "Failed",
            target=targets.SnsTopic(alerts),
            event_pattern=events.EventPattern(detail={"state": ["FAILED"]}),
        )
        PipelineMonitoring(
            self,
            "Monitoring",
            pipeline=self.pipeline,
            projects={"Build": build.project, "Synth": synth.project, "Tests": tests.project},
            alarm_topic=alerts,
        )
"""


register(
    Exercise(
        scenario=NUMBER,
        class_name="OrdersPipeline",
        task=(
            "Review Sam's OrdersPipeline(scope, id, *, config): find its defects with the "
            "course's checks, fix them, and release it through the pipeline on the local AWS."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "Each finding names a check (its scenario is the number after PP) and a resource "
            "(a logical id: the construct path says which line of Sam's code made it). "
            "`python -m pitfalls checks --sources --scenario N` prints each check's requirement "
            "and its primary source, and notebook N shows the lesson and the fix. "
            "Fix the code, not the finding: no acknowledgment makes a check go quiet.",
            "solutions.iam_least_privilege.StackDeploymentRole(self, 'Deployer', stack_name=..., "
            "function_names=[solutions.pipeline.function_name(config)]).role; "
            "solutions.s3_source_bucket.SourceBucket (versioned, old versions expire); "
            "Stack.of(self).format_arn(service='sns', resource=config.name('alerts')); "
            "solutions.failure_notifications.FailureNotifications(..., email=notification_email(self), "
            "encryption_key=key, topic_name=config.name('alerts')) makes a subscribed, encrypted "
            "topic and the rule; solutions.monitoring_and_logging.AuditTrail(source_bucket=...).",
        ),
        docs=(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
            "https://docs.aws.amazon.com/codepipeline/latest/userguide/create-cloudtrail-S3-source-cli.html",
        ),
        solution="pitfalls.learner.exercises.answers.capstone:OrdersPipeline",
        answer="pitfalls.learner.exercises.answers.capstone:OrdersPipeline",
        promised=tuple(DEFECTS),
        covers=scenarios.numbers(),
    )
)
