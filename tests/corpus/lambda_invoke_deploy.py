"""The deploy stage invokes a Lambda function that ships the build; a later stage validates.

Idioms: LambdaInvokeAction as the deploy (no CodeBuild deploy project), a post-deploy Validate
stage that invokes a checker function, tests and a scan side by side in one stage, EventBridge
failure rule. Broken: `no-deploy-rollback` (the Release stage does not roll back),
`scan-only-tests` (the only Test action left runs a security scanner).
"""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .kit import (
    NODE,
    SCAN,
    TESTS,
    Alerts,
    ReleasedFunction,
    bucket,
    deploy_role_statements,
    key,
    log_group,
    project,
    tag,
)

DEPLOYER = """
import { LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { CodePipelineClient, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
export const handler = async (event) => {
  const job = event['CodePipeline.job'];
  const zip = job.data.inputArtifacts[0].location.s3Location;
  await new LambdaClient({}).send(new UpdateFunctionCodeCommand({
    FunctionName: process.env.FUNCTION_NAME, S3Bucket: zip.bucketName, S3Key: zip.objectKey }));
  await new CodePipelineClient({}).send(new PutJobSuccessResultCommand({ jobId: job.id }));
};
"""
CHECKER = """
import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
import {
  CodePipelineClient, PutJobSuccessResultCommand, PutJobFailureResultCommand,
} from '@aws-sdk/client-codepipeline';
export const handler = async (event) => {
  const jobId = event['CodePipeline.job'].id;
  const r = await new LambdaClient({}).send(new InvokeCommand({
    FunctionName: process.env.FUNCTION_NAME, Qualifier: 'live' }));
  await new CodePipelineClient({}).send(r.FunctionError
    ? new PutJobFailureResultCommand({ jobId, failureDetails: { type: 'JobFailed', message: 'smoke' } })
    : new PutJobSuccessResultCommand({ jobId }));
};
"""


def build(app: App, broken: str | None = None) -> None:
    stack = Stack(app, "InvokeDeploy")
    tag(app)
    k = key(stack)
    alerts = Alerts(stack, "Alerts", key=k)
    storage, steps, builds = (Construct(stack, n) for n in ("Storage", "Steps", "Builds"))
    source = bucket(storage, "Source", k, versioned=True)
    artifacts = bucket(storage, "Artifacts", k)
    release = ReleasedFunction(stack, "Api", alerts=alerts)

    deployer = lambda_.Function(
        steps, "Deployer", runtime=NODE, handler="index.handler",
        code=lambda_.Code.from_inline(DEPLOYER), log_group=log_group(steps, "DeployerLogs"),
        environment={"FUNCTION_NAME": release.function.function_name},
    )
    for statement in deploy_role_statements(release.function, release.alias, release.group):
        deployer.add_to_role_policy(statement)
    checker = lambda_.Function(
        steps, "Checker", runtime=NODE, handler="index.handler",
        code=lambda_.Code.from_inline(CHECKER), log_group=log_group(steps, "CheckerLogs"),
        environment={"FUNCTION_NAME": release.function.function_name},
    )
    release.alias.grant_invoke(checker)

    src, pkg = codepipeline.Artifact("Src"), codepipeline.Artifact("Pkg")
    source_action = actions.S3SourceAction(
        action_name="Source", bucket=source, bucket_key="source.zip", output=src,
        trigger=actions.S3Trigger.POLL, variables_namespace="Source",
    )
    build_project = project(builds, "Package", ["npm ci --omit=dev", "zip -qr function.zip src node_modules"],
                            key=k, alerts=alerts, artifacts=["function.zip"])
    tests = project(builds, "UnitTests", TESTS, key=k, alerts=alerts, reports=True)
    scan = project(builds, "Audit", SCAN, key=k, alerts=alerts)
    rollback = None if broken == "no-deploy-rollback" else codepipeline.FailureConditions(
        result=codepipeline.Result.ROLLBACK)
    pipeline = codepipeline.Pipeline(
        stack, "Pipeline", pipeline_type=codepipeline.PipelineType.V2, artifact_bucket=artifacts,
        stages=[
            codepipeline.StageProps(stage_name="Source", actions=[source_action]),
            codepipeline.StageProps(stage_name="Build", actions=[actions.CodeBuildAction(
                action_name="Package", project=build_project, input=src, outputs=[pkg],
                environment_variables={"SOURCE_VERSION": codebuild.BuildEnvironmentVariable(
                    value=source_action.variables.version_id)})]),
            codepipeline.StageProps(stage_name="Verify", actions=[
                *([] if broken == "scan-only-tests" else [actions.CodeBuildAction(
                    action_name="UnitTests", project=tests, input=src,
                    type=actions.CodeBuildActionType.TEST)]),
                actions.CodeBuildAction(action_name="Audit", project=scan, input=src,
                                        type=actions.CodeBuildActionType.TEST),
            ]),
            codepipeline.StageProps(stage_name="Release", on_failure=rollback, actions=[
                actions.LambdaInvokeAction(action_name="Deploy", lambda_=deployer, inputs=[pkg])]),
            codepipeline.StageProps(stage_name="Validate", actions=[
                actions.LambdaInvokeAction(action_name="SmokeTest", lambda_=checker)]),
        ],
    )
    pipeline.role.add_to_principal_policy(iam.PolicyStatement(
        actions=["lambda:InvokeFunction"], resources=[deployer.function_arn, checker.function_arn]))
    alerts.on_failure(pipeline)
