"""Two stacks: the service (function, release, alarms) and the pipeline that deploys it, wired by
cross-stack references (CloudFormation exports), each checked on its own template.

Idioms: several stacks in one app, Fn::ImportValue into a deploy project's environment and role,
an EventBridge failure rule. Broken: `service-logs-unmanaged` (the service function logs to a
group Lambda creates, with no retention).
"""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from constructs import Construct

from .kit import SCAN, TESTS, Alerts, ReleasedFunction, bucket, deploy_role_statements, key, project, tag


class ServiceStack(Stack):
    def __init__(self, scope: Construct, id: str, *, managed_logs: bool) -> None:
        super().__init__(scope, id)
        alerts = Alerts(self, "Alerts", key=key(self))
        self.release = ReleasedFunction(self, "Api", alerts=alerts, managed_logs=managed_logs)


class DeliveryStack(Stack):
    def __init__(self, scope: Construct, id: str, *, release: ReleasedFunction) -> None:
        super().__init__(scope, id)
        k = key(self)
        alerts = Alerts(self, "Alerts", key=k)
        storage, builds = Construct(self, "Storage"), Construct(self, "Builds")
        source = bucket(storage, "Source", k, versioned=True)
        artifacts = bucket(storage, "Artifacts", k)
        src, pkg = codepipeline.Artifact("Src"), codepipeline.Artifact("Pkg")
        source_action = actions.S3SourceAction(
            action_name="Source", bucket=source, bucket_key="source.zip", output=src,
            trigger=actions.S3Trigger.POLL, variables_namespace="Source")
        package = project(builds, "Package", ["npm ci --omit=dev", "zip -qr function.zip src node_modules"],
                          key=k, alerts=alerts, artifacts=["function.zip"])
        unit = project(builds, "Unit", TESTS, key=k, alerts=alerts, reports=True)
        scan = project(builds, "Scan", SCAN, key=k, alerts=alerts)
        deploy = project(builds, "Deploy", [
            'aws lambda update-function-code --function-name "$FUNCTION" --zip-file fileb://function.zip',
            'aws deploy create-deployment --cli-input-json file://deployment.json',
        ], key=k, alerts=alerts, environment_variables={
            "FUNCTION": codebuild.BuildEnvironmentVariable(value=release.function.function_name)})
        for statement in deploy_role_statements(release.function, release.alias, release.group):
            deploy.add_to_role_policy(statement)
        pipeline = codepipeline.Pipeline(
            self, "Pipeline", pipeline_type=codepipeline.PipelineType.V2, artifact_bucket=artifacts,
            stages=[
                codepipeline.StageProps(stage_name="Source", actions=[source_action]),
                codepipeline.StageProps(stage_name="Build", actions=[actions.CodeBuildAction(
                    action_name="Package", project=package, input=src, outputs=[pkg],
                    environment_variables={"SOURCE_VERSION": codebuild.BuildEnvironmentVariable(
                        value=source_action.variables.version_id)})]),
                codepipeline.StageProps(stage_name="Test", actions=[
                    actions.CodeBuildAction(action_name="Unit", project=unit, input=src,
                                            type=actions.CodeBuildActionType.TEST),
                    actions.CodeBuildAction(action_name="Scan", project=scan, input=src,
                                            type=actions.CodeBuildActionType.TEST)]),
                codepipeline.StageProps(
                    stage_name="Deploy",
                    on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK),
                    actions=[actions.CodeBuildAction(action_name="Deploy", project=deploy, input=pkg)]),
            ],
        )
        alerts.on_failure(pipeline)


def build(app: App, broken: str | None = None) -> None:
    tag(app)
    service = ServiceStack(app, "Service", managed_logs=broken != "service-logs-unmanaged")
    DeliveryStack(app, "Delivery", release=service.release)
