"""CDK Pipelines: a self-mutating pipeline whose synth step tests and scans, deploying an
application Stage whose stacks are in a nested assembly, with a smoke test after the deploy.

Idioms: pipelines.CodePipeline on an existing V2 codepipeline.Pipeline, CodePipelineSource.s3,
ShellStep synth with a partial buildspec for the test report, self-mutation (`cdk deploy` of the
pipeline's own stack, which is not the release), a Stage added with post steps, CloudFormation
change-set deploys; stage rollback set on the generated pipeline (CDK Pipelines has no prop for
it). Broken: `no-tests` (the synth step runs no test).
"""

from __future__ import annotations

from aws_cdk import App, Stack, Stage, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_logs as logs
from constructs import Construct

from .kit import SCAN, TESTS, Alerts, ReleasedFunction, bucket, key, log_group, tag


class ServiceStack(Stack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        k = key(self)
        alerts = Alerts(self, "Alerts", key=k)
        ReleasedFunction(self, "Api", alerts=alerts)


class Service(Stage):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        tag(self)  # an app's Tags do not reach into a Stage's assembly
        ServiceStack(self, "Service")


class PipelineStack(Stack):
    def __init__(self, scope: Construct, id: str, *, broken: str | None) -> None:
        super().__init__(scope, id)
        k = key(self)
        alerts = Alerts(self, "Alerts", key=k)
        storage = Construct(self, "Storage")
        source = bucket(storage, "Source", k, versioned=True)
        artifacts = bucket(storage, "Artifacts", k)
        logs_group: logs.LogGroup = log_group(self, "BuildLogs")
        commands = ["npm ci", *SCAN[1:], "npx cdk synth"]
        if broken != "no-tests":
            commands[1:1] = TESTS[1:]
        base = codepipeline.Pipeline(self, "Base", pipeline_type=codepipeline.PipelineType.V2,
                                     artifact_bucket=artifacts, restart_execution_on_update=True)
        s3_source = pipelines.CodePipelineSource.s3(source, "source.zip",
                                                    trigger=actions.S3Trigger.POLL,
                                                    action_name="Source")
        pipeline = pipelines.CodePipeline(
            self, "Pipeline", code_pipeline=base,
            synth=pipelines.CodeBuildStep(
                "Synth", input=s3_source, commands=commands,
                env={"SOURCE_VERSION": s3_source.source_attribute("VersionId")},
                partial_build_spec=codebuild.BuildSpec.from_object({
                    "phases": {"install": {"runtime-versions": {"nodejs": "24"}}},
                    "reports": {"unit": {"files": ["junit.xml"], "base-directory": "reports",
                                         "file-format": "JUNITXML"}},
                }),
            ),
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                    compute_type=codebuild.ComputeType.SMALL),
                logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(
                    log_group=logs_group)),
            ),
            self_mutation=True,
        )
        smoke = pipelines.CodeBuildStep("Smoke", commands=[
            "aws lambda invoke --function-name corpus-dev-api --qualifier live out.json"])
        pipeline.add_stage(Service(self, "Dev"), post=[smoke])
        pipeline.build_pipeline()
        alerts.watch_project(pipeline.synth_project, "Synth")
        alerts.watch_project(pipeline.self_mutation_project, "SelfMutate")
        alerts.watch_project(smoke.project, "Smoke")
        alerts.on_failure(pipeline.pipeline)
        cfn = pipeline.pipeline.node.default_child
        for index, stage in enumerate(pipeline.pipeline.stages):
            if stage.stage_name == "Dev":
                cfn.add_property_override(f"Stages.{index}.OnFailure", {"Result": "ROLLBACK"})


def build(app: App, broken: str | None = None) -> None:
    tag(app)
    PipelineStack(app, "CdkPipeline", broken=broken)
