"""The deploy stage is a CloudFormation action that creates or updates the application's stack
from a template the build produced (the function and its release live in that stack).

Idioms: CloudFormationCreateUpdateStackAction with a deploy role, a CloudFormation-only pipeline
stack (no function in it), build output as template artifact. Broken: `artifacts-http` (the
artifact bucket accepts plain HTTP).
"""

from __future__ import annotations

from aws_cdk import App, ArnFormat, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from constructs import Construct

from .kit import SCAN, TESTS, Alerts, bucket, key, project, tag


def build(app: App, broken: str | None = None) -> None:
    stack = Stack(app, "CfnDeploy")
    tag(app, "staging")
    k = key(stack)
    alerts = Alerts(stack, "Alerts", key=k)
    storage, builds = Construct(stack, "Storage"), Construct(stack, "Builds")
    source = bucket(storage, "Source", k, versioned=True)
    artifacts = bucket(storage, "Artifacts", k, enforce_ssl=broken != "artifacts-http")
    src, out = codepipeline.Artifact("Src"), codepipeline.Artifact("Out")
    source_action = actions.S3SourceAction(
        action_name="Source", bucket=source, bucket_key="source.zip", output=src,
        trigger=actions.S3Trigger.POLL, variables_namespace="Source")
    synth = project(builds, "Synth", ["npm ci", "npx cdk synth --output cdk.out"], key=k,
                    alerts=alerts, artifacts=["cdk.out/**/*"])
    tests = project(builds, "Tests", TESTS, key=k, alerts=alerts, reports=True)
    scan = project(builds, "Scan", [*SCAN, "npx cfn-lint cdk.out/*.template.json"], key=k, alerts=alerts)
    deploy_role = iam.Role(stack, "CfnExecution",
                           assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"))
    deploy_role.add_to_policy(iam.PolicyStatement(
        actions=["lambda:CreateFunction", "lambda:UpdateFunctionCode"],
        resources=[stack.format_arn(service="lambda", resource="function",
                                    resource_name="corpus-staging-*",
                                    arn_format=ArnFormat.COLON_RESOURCE_NAME)]))

    pipeline = codepipeline.Pipeline(
        stack, "Pipeline", pipeline_type=codepipeline.PipelineType.V2, artifact_bucket=artifacts,
        stages=[
            codepipeline.StageProps(stage_name="Source", actions=[source_action]),
            codepipeline.StageProps(stage_name="Synth", actions=[actions.CodeBuildAction(
                action_name="Synth", project=synth, input=src, outputs=[out],
                environment_variables={"SOURCE_VERSION": codebuild.BuildEnvironmentVariable(
                    value=source_action.variables.version_id)})]),
            codepipeline.StageProps(stage_name="Test", actions=[
                actions.CodeBuildAction(action_name="Unit", project=tests, input=src,
                                        type=actions.CodeBuildActionType.TEST),
                actions.CodeBuildAction(action_name="Scan", project=scan, input=out,
                                        type=actions.CodeBuildActionType.TEST, run_order=2),
            ]),
            codepipeline.StageProps(
                stage_name="Deploy",
                on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK),
                actions=[actions.CloudFormationCreateUpdateStackAction(
                    action_name="Deploy", stack_name="corpus-staging-app",
                    template_path=out.at_path("cdk.out/App.template.json"),
                    admin_permissions=False, deployment_role=deploy_role)]),
        ],
    )
    alerts.on_failure(pipeline)
