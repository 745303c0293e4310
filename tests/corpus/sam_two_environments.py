"""Staging, then a person's approval, then production: each deployed by `sam deploy` from a
CodeBuild project, each stage rolling back on its own.

Idioms: two deploy stages with an approval stage between them, SAM CLI deploys (deploy decided by
the commands, Build category), environment-specific variables. Broken: `prod-no-rollback` (the
production stage does not roll back).
"""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from constructs import Construct

from .kit import SCAN, TESTS, Alerts, bucket, key, project, tag


def build(app: App, broken: str | None = None) -> None:
    tag(app, "prod")
    stack = Stack(app, "SamPipeline")
    k = key(stack)
    alerts = Alerts(stack, "Alerts", key=k)
    storage, builds = Construct(stack, "Storage"), Construct(stack, "Builds")
    source = bucket(storage, "Source", k, versioned=True)
    artifacts = bucket(storage, "Artifacts", k)
    src, built = codepipeline.Artifact("Src"), codepipeline.Artifact("Built")
    source_action = actions.S3SourceAction(
        action_name="Source", bucket=source, bucket_key="source.zip", output=src,
        trigger=actions.S3Trigger.POLL, variables_namespace="Source")
    sam_build = project(builds, "SamBuild", ["pip install aws-sam-cli", "sam build"], key=k,
                        alerts=alerts, artifacts=[".aws-sam/**/*", "samconfig.toml"])
    unit = project(builds, "Unit", TESTS, key=k, alerts=alerts, reports=True)
    scan = project(builds, "Scan", SCAN, key=k, alerts=alerts)
    deploy = project(builds, "SamDeploy", [
        "pip install aws-sam-cli",
        'sam deploy --config-env "$TARGET" --no-confirm-changeset --no-fail-on-empty-changeset',
    ], key=k, alerts=alerts)
    deploy.add_to_role_policy(iam.PolicyStatement(
        actions=["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet",
                 "cloudformation:DescribeChangeSet", "cloudformation:DescribeStacks"],
        resources=[stack.format_arn(service="cloudformation", resource="stack",
                                    resource_name="corpus-*-service/*")]))

    def release(target: str, rollback: bool) -> codepipeline.StageProps:
        return codepipeline.StageProps(
            stage_name=target.capitalize(),
            on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK)
            if rollback else None,
            actions=[actions.CodeBuildAction(
                action_name=f"Deploy{target.capitalize()}", project=deploy, input=built,
                environment_variables={"TARGET": codebuild.BuildEnvironmentVariable(value=target)})])

    pipeline = codepipeline.Pipeline(
        stack, "Pipeline", pipeline_type=codepipeline.PipelineType.V2, artifact_bucket=artifacts,
        stages=[
            codepipeline.StageProps(stage_name="Source", actions=[source_action]),
            codepipeline.StageProps(stage_name="Build", actions=[
                actions.CodeBuildAction(
                    action_name="SamBuild", project=sam_build, input=src, outputs=[built],
                    environment_variables={"SOURCE_VERSION": codebuild.BuildEnvironmentVariable(
                        value=source_action.variables.version_id)}),
                actions.CodeBuildAction(action_name="Unit", project=unit, input=src,
                                        type=actions.CodeBuildActionType.TEST),
                actions.CodeBuildAction(action_name="Scan", project=scan, input=src,
                                        type=actions.CodeBuildActionType.TEST)]),
            release("staging", True),
            codepipeline.StageProps(stage_name="Approve", actions=[actions.ManualApprovalAction(
                action_name="Approve", notification_topic=alerts.topic)]),
            release("production", broken != "prod-no-rollback"),
        ],
    )
    alerts.on_failure(pipeline)
