"""A Lambda function shipped as a container image: a privileged CodeBuild project builds and
pushes the image to ECR, a deploy project points the function at it, CodeDeploy shifts the alias.

Idioms: DockerImageFunction from an ECR repository, a privileged build that does run Docker,
`aws lambda update-function-code --image-uri`, smoke test after the deploy in the same stage.
Broken: `no-rollback-alarm` (the deployment group watches no alarm).
"""

from __future__ import annotations

from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_ecr as ecr
from constructs import Construct

from .kit import SCAN, TESTS, Alerts, ReleasedFunction, bucket, deploy_role_statements, key, project, tag


def build(app: App, broken: str | None = None) -> None:
    tag(app)
    stack = Stack(app, "ContainerImage")
    k = key(stack)
    alerts = Alerts(stack, "Alerts", key=k)
    storage, builds = Construct(stack, "Storage"), Construct(stack, "Builds")
    repo = ecr.Repository(storage, "Images", image_scan_on_push=True,
                          image_tag_mutability=ecr.TagMutability.IMMUTABLE,
                          encryption=ecr.RepositoryEncryption.KMS, encryption_key=k,
                          removal_policy=RemovalPolicy.DESTROY)
    source = bucket(storage, "Source", k, versioned=True)
    artifacts = bucket(storage, "Artifacts", k)
    release = ReleasedFunction(stack, "Api", alerts=alerts, image=repo,
                               rollback_alarm=broken != "no-rollback-alarm")
    env = {"REPO": codebuild.BuildEnvironmentVariable(value=repo.repository_uri),
           "FUNCTION": codebuild.BuildEnvironmentVariable(value=release.function.function_name)}
    image = project(builds, "Image", [
        'aws ecr get-login-password | docker login --username AWS --password-stdin "${REPO%%/*}"',
        'docker build -t "$REPO:$CODEBUILD_RESOLVED_SOURCE_VERSION" .',
        'docker push "$REPO:$CODEBUILD_RESOLVED_SOURCE_VERSION"',
        'printf "%s" "$CODEBUILD_RESOLVED_SOURCE_VERSION" > tag.txt',
    ], key=k, alerts=alerts, privileged=True, artifacts=["tag.txt"],
        environment_variables={"REPO": env["REPO"]})
    repo.grant_pull_push(image)
    unit = project(builds, "Unit", TESTS, key=k, alerts=alerts, reports=True)
    scan = project(builds, "Scan", SCAN, key=k, alerts=alerts)
    deploy = project(builds, "Deploy", [
        'aws lambda update-function-code --function-name "$FUNCTION" --image-uri "$REPO:$(cat tag.txt)"',
        'aws deploy create-deployment --cli-input-json file://deployment.json',
    ], key=k, alerts=alerts, environment_variables=env)
    for statement in deploy_role_statements(release.function, release.alias, release.group):
        deploy.add_to_role_policy(statement)
    smoke = project(builds, "Smoke", [
        'aws lambda invoke --function-name "$FUNCTION" --qualifier live out.json'],
        key=k, alerts=alerts, environment_variables=env)
    release.alias.grant_invoke(smoke)
    src, tag_file = codepipeline.Artifact("Src"), codepipeline.Artifact("Tag")
    source_action = actions.S3SourceAction(
        action_name="Source", bucket=source, bucket_key="source.zip", output=src,
        trigger=actions.S3Trigger.POLL, variables_namespace="Source")
    pipeline = codepipeline.Pipeline(
        stack, "Pipeline", pipeline_type=codepipeline.PipelineType.V2, artifact_bucket=artifacts,
        stages=[
            codepipeline.StageProps(stage_name="Source", actions=[source_action]),
            codepipeline.StageProps(stage_name="Build", actions=[
                actions.CodeBuildAction(
                    action_name="Image", project=image, input=src, outputs=[tag_file],
                    environment_variables={"SOURCE_VERSION": codebuild.BuildEnvironmentVariable(
                        value=source_action.variables.version_id)}),
                actions.CodeBuildAction(action_name="Unit", project=unit, input=src,
                                        type=actions.CodeBuildActionType.TEST),
                actions.CodeBuildAction(action_name="Scan", project=scan, input=src,
                                        type=actions.CodeBuildActionType.TEST)]),
            codepipeline.StageProps(
                stage_name="Deploy",
                on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK),
                actions=[
                    actions.CodeBuildAction(action_name="Deploy", project=deploy, input=tag_file),
                    actions.CodeBuildAction(action_name="Smoke", project=smoke, input=tag_file,
                                            run_order=2, type=actions.CodeBuildActionType.TEST)]),
        ],
    )
    alerts.on_failure(pipeline)
