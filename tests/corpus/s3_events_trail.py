"""An upload starts the pipeline through EventBridge (S3Trigger.EVENTS), which needs a trail that
records the bucket's object writes; the trail is validated and encrypted.

Idioms: event-driven S3 source, CloudTrail data-event selector, trail bucket and key policy from
CDK's Trail construct, a Lambda invoke deploy (a deployer function) without CodeDeploy.
Broken: `no-trail` (nothing records the writes, so no upload ever starts the pipeline).
"""

from __future__ import annotations

from aws_cdk import App, ArnFormat, Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from .kit import NODE, SCAN, TESTS, Alerts, bucket, key, log_group, project, tag

DEPLOYER = """
import { LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
export const handler = async (event) => {
  const zip = event['CodePipeline.job'].data.inputArtifacts[0].location.s3Location;
  await new LambdaClient({}).send(new UpdateFunctionCodeCommand({
    FunctionName: process.env.TARGET, S3Bucket: zip.bucketName, S3Key: zip.objectKey }));
};
"""


def build(app: App, broken: str | None = None) -> None:
    tag(app)
    stack = Stack(app, "EventSource")
    k = key(stack)
    k.grant_encrypt(iam.ServicePrincipal("cloudtrail.amazonaws.com"))
    alerts = Alerts(stack, "Alerts", key=k)
    storage, builds, steps = (Construct(stack, n) for n in ("Storage", "Builds", "Steps"))
    source = bucket(storage, "Source", k, versioned=True)
    artifacts = bucket(storage, "Artifacts", k)
    if broken != "no-trail":
        trail = cloudtrail.Trail(storage, "Trail", enable_file_validation=True, encryption_key=k,
                                 bucket=bucket(storage, "TrailLogs", k),
                                 include_global_service_events=False, is_multi_region_trail=False)
        trail.add_s3_event_selector([cloudtrail.S3EventSelector(bucket=source)],
                                    read_write_type=cloudtrail.ReadWriteType.WRITE_ONLY,
                                    include_management_events=False)
    deployer = lambda_.Function(steps, "Deployer", runtime=NODE, handler="index.handler",
                                code=lambda_.Code.from_inline(DEPLOYER),
                                log_group=log_group(steps, "DeployerLogs"),
                                environment={"TARGET": "corpus-dev-api"})
    deployer.add_to_role_policy(iam.PolicyStatement(
        actions=["lambda:UpdateFunctionCode"],
        resources=[stack.format_arn(service="lambda", resource="function",
                                    resource_name="corpus-dev-api",
                                    arn_format=ArnFormat.COLON_RESOURCE_NAME)]))
    src, pkg = codepipeline.Artifact("Src"), codepipeline.Artifact("Pkg")
    source_action = actions.S3SourceAction(
        action_name="Source", bucket=source, bucket_key="source.zip", output=src,
        trigger=actions.S3Trigger.EVENTS, variables_namespace="Source")
    package = project(builds, "Package", ["npm ci --omit=dev", *TESTS[1:], *SCAN[1:],
                                          "zip -qr function.zip src node_modules"],
                      key=k, alerts=alerts, reports=True, artifacts=["function.zip"])
    pipeline = codepipeline.Pipeline(
        stack, "Pipeline", pipeline_type=codepipeline.PipelineType.V2, artifact_bucket=artifacts,
        stages=[
            codepipeline.StageProps(stage_name="Source", actions=[source_action]),
            codepipeline.StageProps(stage_name="Build", actions=[actions.CodeBuildAction(
                action_name="BuildTestScan", project=package, input=src, outputs=[pkg],
                environment_variables={"SOURCE_VERSION": codebuild.BuildEnvironmentVariable(
                    value=source_action.variables.version_id)})]),
            codepipeline.StageProps(
                stage_name="Deploy",
                on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK),
                actions=[actions.LambdaInvokeAction(action_name="Deploy", lambda_=deployer,
                                                    inputs=[pkg])]),
        ],
    )
    alerts.on_failure(pipeline)
