"""A static site: the build writes the site, an S3 deploy action publishes it to a bucket.

Idioms: S3DeployAction (Deploy category, provider S3) into a TLS-only bucket, no Lambda function
at all, EventBridge failure rule. Broken: `scan-swallowed` (`npm audit ... || true`).
"""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from constructs import Construct

from .kit import SCAN, TESTS, Alerts, bucket, key, project, tag


def build(app: App, broken: str | None = None) -> None:
    tag(app, "prod")
    stack = Stack(app, "StaticSite")
    k = key(stack)
    alerts = Alerts(stack, "Alerts", key=k)
    storage, builds = Construct(stack, "Storage"), Construct(stack, "Builds")
    source = bucket(storage, "Source", k, versioned=True)
    artifacts = bucket(storage, "Artifacts", k)
    site = bucket(storage, "Site", k)
    scan_commands = SCAN if broken != "scan-swallowed" else [SCAN[0], f"{SCAN[1]} || true"]
    src, dist = codepipeline.Artifact("Src"), codepipeline.Artifact("Dist")
    source_action = actions.S3SourceAction(
        action_name="Source", bucket=source, bucket_key="source.zip", output=src,
        trigger=actions.S3Trigger.POLL, variables_namespace="Source")
    site_build = project(builds, "Site", ["npm ci", *TESTS[1:], "npm run build"], key=k, alerts=alerts,
                         reports=True, artifacts=["**/*"], )
    scan = project(builds, "Scan", scan_commands, key=k, alerts=alerts)
    pipeline = codepipeline.Pipeline(
        stack, "Pipeline", pipeline_type=codepipeline.PipelineType.V2, artifact_bucket=artifacts,
        stages=[
            codepipeline.StageProps(stage_name="Source", actions=[source_action]),
            codepipeline.StageProps(stage_name="Build", actions=[
                actions.CodeBuildAction(
                    action_name="Site", project=site_build, input=src, outputs=[dist],
                    environment_variables={"SOURCE_VERSION": codebuild.BuildEnvironmentVariable(
                        value=source_action.variables.version_id)}),
                actions.CodeBuildAction(action_name="Scan", project=scan, input=src,
                                        type=actions.CodeBuildActionType.TEST)]),
            codepipeline.StageProps(
                stage_name="Publish",
                on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK),
                actions=[actions.S3DeployAction(action_name="Publish", bucket=site, input=dist,
                                                extract=True)]),
        ],
    )
    alerts.on_failure(pipeline)
