"""Change sets: the pipeline prepares a change set, a person approves it, then it is executed.

Idioms: CloudFormationCreateReplaceChangeSetAction, ManualApprovalAction that notifies the topic,
CloudFormationExecuteChangeSetAction, all in one rolled-back stage; CodeStar notification rule for
failures. Broken: `notify-success-only` (the notification rule only hears of successes).
"""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from constructs import Construct

from .kit import SCAN, TESTS, Alerts, bucket, key, project, tag


def build(app: App, broken: str | None = None) -> None:
    stack = Stack(app, "ChangeSets")
    tag(app, "prod")
    k = key(stack)
    alerts = Alerts(stack, "Alerts", key=k)
    storage, builds = Construct(stack, "Storage"), Construct(stack, "Builds")
    source = bucket(storage, "Source", k, versioned=True)
    artifacts = bucket(storage, "Artifacts", k)
    src, out = codepipeline.Artifact("Src"), codepipeline.Artifact("Out")
    source_action = actions.S3SourceAction(
        action_name="Source", bucket=source, bucket_key="source.zip", output=src,
        trigger=actions.S3Trigger.POLL, variables_namespace="Source")
    synth = project(builds, "Synth", ["npm ci", *TESTS[1:], "npx cdk synth --output cdk.out"], key=k,
                    alerts=alerts, artifacts=["cdk.out/**/*"], reports=True)
    scan = project(builds, "Scan", SCAN, key=k, alerts=alerts)
    stack_name, change_set = "corpus-prod-app", "pipeline"
    pipeline = codepipeline.Pipeline(
        stack, "Pipeline", pipeline_type=codepipeline.PipelineType.V2, artifact_bucket=artifacts,
        stages=[
            codepipeline.StageProps(stage_name="Source", actions=[source_action]),
            codepipeline.StageProps(stage_name="Build", actions=[
                actions.CodeBuildAction(
                    action_name="SynthAndTest", project=synth, input=src, outputs=[out],
                    environment_variables={"SOURCE_VERSION": codebuild.BuildEnvironmentVariable(
                        value=source_action.variables.version_id)}),
                actions.CodeBuildAction(action_name="Scan", project=scan, input=src,
                                        type=actions.CodeBuildActionType.TEST),
            ]),
            codepipeline.StageProps(
                stage_name="Production",
                on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK),
                actions=[
                    actions.CloudFormationCreateReplaceChangeSetAction(
                        action_name="Prepare", stack_name=stack_name, change_set_name=change_set,
                        template_path=out.at_path("cdk.out/App.template.json"),
                        admin_permissions=False, run_order=1),
                    actions.ManualApprovalAction(action_name="Approve", notification_topic=alerts.topic,
                                                 run_order=2),
                    actions.CloudFormationExecuteChangeSetAction(
                        action_name="Execute", stack_name=stack_name, change_set_name=change_set,
                        run_order=3),
                ]),
        ],
    )
    if broken == "notify-success-only":
        pipeline.notify_on("Succeeded", alerts.topic, events=[
            codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED])
    else:
        alerts.on_failure(pipeline, via="notifications")
