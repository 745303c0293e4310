"""Tests and coverage written to report groups the stack creates, named by ARN in the buildspec,
each granted to the project; two pipelines (main and release branches) share the topic, the
artifact bucket and one EventBridge rule that lists both.

Idioms: codebuild.ReportGroup (TEST and CODE_COVERAGE) with grant_write, a rule over several
pipelines (`resources`), a CodeBuild deploy with a CloudFormation role. Broken:
`report-not-granted` (the coverage report group is not granted).
"""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from .kit import NODE_MAJOR, SCAN, TESTS, Alerts, bucket, key, log_group, project, tag


def build(app: App, broken: str | None = None) -> None:
    tag(app)
    stack = Stack(app, "ReportGroups")
    k = key(stack)
    alerts = Alerts(stack, "Alerts", key=k)
    storage, builds = Construct(stack, "Storage"), Construct(stack, "Builds")
    artifacts = bucket(storage, "Artifacts", k)
    tests_group = codebuild.ReportGroup(builds, "UnitReports", type=codebuild.ReportGroupType.TEST)
    coverage_group = codebuild.ReportGroup(builds, "Coverage",
                                           type=codebuild.ReportGroupType.CODE_COVERAGE)
    unit = codebuild.PipelineProject(
        builds, "Unit",
        build_spec=codebuild.BuildSpec.from_object({
            "version": "0.2",
            "phases": {"install": {"runtime-versions": {"nodejs": NODE_MAJOR}},
                       "build": {"commands": [*TESTS, "npx c8 report --reporter=cobertura"]}},
            "reports": {
                tests_group.report_group_arn: {"files": ["junit.xml"], "base-directory": "reports",
                                               "file-format": "JUNITXML"},
                coverage_group.report_group_arn: {"files": ["coverage/cobertura-coverage.xml"],
                                                  "file-format": "COBERTURAXML"},
            },
        }),
        environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                                               compute_type=codebuild.ComputeType.SMALL),
        encryption_key=k,
        logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(
            log_group=log_group(builds, "UnitLogs"))),
    )
    alerts.watch_project(unit, "Unit")
    tests_group.grant_write(unit)
    if broken != "report-not-granted":
        coverage_group.grant_write(unit)
    scan = project(builds, "Scan", SCAN, key=k, alerts=alerts)
    package = project(builds, "Package", ["npm ci --omit=dev", "npx cdk synth --output cdk.out"],
                      key=k, alerts=alerts, artifacts=["cdk.out/**/*"])
    deploy = project(builds, "Deploy", [
        "aws cloudformation deploy --template-file cdk.out/App.template.json "
        '--stack-name "corpus-$TARGET-app" --role-arn "$CFN_ROLE" --no-fail-on-empty-changeset'],
        key=k, alerts=alerts)
    cfn_role = iam.Role(stack, "CfnRole", assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"))
    cfn_role.grant_pass_role(deploy)
    deploy.add_to_role_policy(iam.PolicyStatement(
        actions=["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet",
                 "cloudformation:DescribeChangeSet", "cloudformation:DescribeStacks"],
        resources=[stack.format_arn(service="cloudformation", resource="stack",
                                    resource_name="corpus-*-app/*")]))

    pipelines = []
    for branch in ("main", "release"):
        source = bucket(storage, f"{branch.capitalize()}Source", k, versioned=True)
        src, out = codepipeline.Artifact(f"Src{branch}"), codepipeline.Artifact(f"Out{branch}")
        source_action = actions.S3SourceAction(
            action_name="Source", bucket=source, bucket_key="source.zip", output=src,
            trigger=actions.S3Trigger.POLL, variables_namespace="Source")
        env = {"TARGET": codebuild.BuildEnvironmentVariable(value=branch),
               "CFN_ROLE": codebuild.BuildEnvironmentVariable(value=cfn_role.role_arn)}
        pipelines.append(codepipeline.Pipeline(
            stack, f"{branch.capitalize()}Pipeline", pipeline_type=codepipeline.PipelineType.V2,
            artifact_bucket=artifacts,
            stages=[
                codepipeline.StageProps(stage_name="Source", actions=[source_action]),
                codepipeline.StageProps(stage_name="Build", actions=[
                    actions.CodeBuildAction(
                        action_name="Package", project=package, input=src, outputs=[out],
                        environment_variables={"SOURCE_VERSION": codebuild.BuildEnvironmentVariable(
                            value=source_action.variables.version_id)}),
                    actions.CodeBuildAction(action_name="Unit", project=unit, input=src,
                                            type=actions.CodeBuildActionType.TEST),
                    actions.CodeBuildAction(action_name="Scan", project=scan, input=src,
                                            type=actions.CodeBuildActionType.TEST)]),
                codepipeline.StageProps(
                    stage_name="Deploy",
                    on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK),
                    actions=[actions.CodeBuildAction(action_name="Deploy", project=deploy, input=out,
                                                     environment_variables=env)]),
            ]))
    events.Rule(stack, "AnyPipelineFailed", targets=[targets.SnsTopic(alerts.topic)],
                event_pattern=events.EventPattern(
                    source=["aws.codepipeline"],
                    detail_type=["CodePipeline Pipeline Execution State Change"],
                    resources=[p.pipeline_arn for p in pipelines],
                    detail={"state": ["FAILED"]}))
