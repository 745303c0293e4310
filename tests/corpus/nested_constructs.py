"""Everything built from small constructs nested three deep: a Platform holds a Delivery, which
holds its Source, Builds and Release; the stack itself only composes.

Idioms: deep construct nesting (construct paths several levels long), a CodeBuild deploy through
`aws cloudformation deploy`, CodeStar notification rule. Broken: `privileged-build` (a project
runs privileged without building images).
"""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from .kit import SCAN, TESTS, Alerts, bucket, key, project, tag


class SourceStore(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, id)
        self.bucket = bucket(self, "Bucket", key, versioned=True)
        self.output = codepipeline.Artifact("Src")
        self.action = actions.S3SourceAction(
            action_name="Source", bucket=self.bucket, bucket_key="source.zip", output=self.output,
            trigger=actions.S3Trigger.POLL, variables_namespace="Source")


class Builds(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, alerts: Alerts,
                 privileged: bool) -> None:
        super().__init__(scope, id)
        self.unit = project(self, "Unit", TESTS, key=key, alerts=alerts, reports=True)
        self.scan = project(self, "Scan", SCAN, key=key, alerts=alerts)
        self.synth = project(self, "Synth", ["npm ci", "npx cdk synth --output cdk.out"], key=key,
                             alerts=alerts, artifacts=["cdk.out/**/*"])
        self.deploy = project(self, "Deploy", [
            "aws cloudformation deploy --template-file cdk.out/App.template.json "
            "--stack-name corpus-dev-app --no-fail-on-empty-changeset",
        ], key=key, alerts=alerts, privileged=privileged)
        self.deploy.add_to_role_policy(iam.PolicyStatement(
            actions=["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet",
                     "cloudformation:DescribeChangeSet", "cloudformation:DescribeStacks"],
            resources=[Stack.of(self).format_arn(service="cloudformation", resource="stack",
                                                 resource_name="corpus-dev-app/*")]))


class Delivery(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, alerts: Alerts,
                 privileged: bool) -> None:
        super().__init__(scope, id)
        source = SourceStore(self, "Source", key=key)
        builds = Builds(self, "Builds", key=key, alerts=alerts, privileged=privileged)
        artifacts = bucket(self, "Artifacts", key)
        src, synthesized = source.output, codepipeline.Artifact("Synthesized")
        self.pipeline = codepipeline.Pipeline(
            self, "Pipeline", pipeline_type=codepipeline.PipelineType.V2, artifact_bucket=artifacts,
            stages=[
                codepipeline.StageProps(stage_name="Source", actions=[source.action]),
                codepipeline.StageProps(stage_name="Build", actions=[actions.CodeBuildAction(
                    action_name="Synth", project=builds.synth, input=src, outputs=[synthesized],
                    environment_variables={"SOURCE_VERSION": codebuild.BuildEnvironmentVariable(
                        value=source.action.variables.version_id)})]),
                codepipeline.StageProps(stage_name="Test", actions=[
                    actions.CodeBuildAction(action_name="Unit", project=builds.unit, input=src,
                                            type=actions.CodeBuildActionType.TEST),
                    actions.CodeBuildAction(action_name="Scan", project=builds.scan, input=src,
                                            type=actions.CodeBuildActionType.TEST)]),
                codepipeline.StageProps(
                    stage_name="Deploy",
                    on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK),
                    actions=[actions.CodeBuildAction(
                        action_name="Deploy", project=builds.deploy, input=synthesized)]),
            ],
        )


class Platform(Construct):
    def __init__(self, scope: Construct, id: str, *, privileged: bool) -> None:
        super().__init__(scope, id)
        k = key(self)
        alerts = Alerts(self, "Alerts", key=k)
        delivery = Delivery(self, "Delivery", key=k, alerts=alerts, privileged=privileged)
        alerts.on_failure(delivery.pipeline, via="notifications")


def build(app: App, broken: str | None = None) -> None:
    tag(app)
    stack = Stack(app, "Nested")
    Platform(stack, "Platform", privileged=broken == "privileged-build")
