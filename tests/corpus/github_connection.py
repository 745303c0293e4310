"""Source from GitHub through a CodeStar (CodeConnections) connection the stack owns, with a
V2 trigger on pushes to main, queued executions and a pipeline variable.

Idioms: CodeStarConnectionsSourceAction, CfnConnection, PipelineType.V2 triggers and variables,
ExecutionMode.QUEUED, a CodeBuild deploy with `aws lambda update-function-code` and a CodeDeploy
shift, a smoke test after it. Broken: `tests-ignored` (`npm test || true`), `no-smoke-test`
(nothing calls the function after the deploy).
"""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_codestarconnections as connections
from constructs import Construct

from .kit import SCAN, TESTS, Alerts, ReleasedFunction, bucket, deploy_role_statements, key, project, tag


def build(app: App, broken: str | None = None) -> None:
    stack = Stack(app, "GitHubSource")
    tag(app)
    k = key(stack)
    alerts = Alerts(stack, "Alerts", key=k)
    builds = Construct(stack, "Builds")
    artifacts = bucket(stack, "Artifacts", k)
    release = ReleasedFunction(stack, "Api", alerts=alerts)
    connection = connections.CfnConnection(stack, "GitHub", connection_name="corpus-dev-github",
                                           provider_type="GitHub")
    src, pkg = codepipeline.Artifact("Src"), codepipeline.Artifact("Pkg")
    source_action = actions.CodeStarConnectionsSourceAction(
        action_name="GitHub", owner="example", repo="service", branch="main",
        connection_arn=connection.attr_connection_arn, output=src, trigger_on_push=False)
    tests = TESTS if broken != "tests-ignored" else [TESTS[0], f"{TESTS[1]} || true"]
    package = project(builds, "Package", ["npm ci --omit=dev", "zip -qr function.zip src node_modules"],
                      key=k, alerts=alerts, artifacts=["function.zip"])
    unit = project(builds, "Unit", tests, key=k, alerts=alerts, reports=True)
    scan = project(builds, "Scan", SCAN, key=k, alerts=alerts)
    deploy = project(builds, "Deploy", [
        'aws lambda update-function-code --function-name "$FUNCTION" --zip-file fileb://function.zip',
        'aws lambda wait function-updated-v2 --function-name "$FUNCTION"',
        'aws deploy create-deployment --cli-input-json file://deployment.json',
    ], key=k, alerts=alerts, environment_variables={
        "FUNCTION": codebuild.BuildEnvironmentVariable(value=release.function.function_name)})
    for statement in deploy_role_statements(release.function, release.alias, release.group):
        deploy.add_to_role_policy(statement)
    smoke = project(builds, "Smoke", [
        'aws lambda invoke --function-name "$FUNCTION" --qualifier live out.json',
        "grep -q '\"statusCode\":200' out.json",
    ], key=k, alerts=alerts, environment_variables={
        "FUNCTION": codebuild.BuildEnvironmentVariable(value=release.function.function_name)})
    release.alias.grant_invoke(smoke)
    variable = codepipeline.Variable(variable_name="Reason", default_value="push")
    pipeline = codepipeline.Pipeline(
        stack, "Pipeline", pipeline_type=codepipeline.PipelineType.V2, artifact_bucket=artifacts,
        execution_mode=codepipeline.ExecutionMode.QUEUED, variables=[variable],
        triggers=[codepipeline.TriggerProps(
            provider_type=codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
            git_configuration=codepipeline.GitConfiguration(
                source_action=source_action,
                push_filter=[codepipeline.GitPushFilter(branches_includes=["main"])]))],
        stages=[
            codepipeline.StageProps(stage_name="Source", actions=[source_action]),
            codepipeline.StageProps(stage_name="Build", actions=[
                actions.CodeBuildAction(action_name="Package", project=package, input=src, outputs=[pkg]),
                actions.CodeBuildAction(action_name="Unit", project=unit, input=src,
                                        type=actions.CodeBuildActionType.TEST),
                actions.CodeBuildAction(action_name="Scan", project=scan, input=src,
                                        type=actions.CodeBuildActionType.TEST),
            ]),
            codepipeline.StageProps(
                stage_name="Deploy",
                on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK),
                actions=[
                    actions.CodeBuildAction(action_name="Deploy", project=deploy, input=pkg),
                    *([] if broken == "no-smoke-test" else [actions.CodeBuildAction(
                        action_name="Smoke", project=smoke, input=pkg, run_order=2,
                        type=actions.CodeBuildActionType.TEST)]),
                ]),
        ],
    )
    alerts.on_failure(pipeline)
