"""Scenario 01: a pipeline whose stages build, test and then deploy what was built.

Source -> Build -> Test -> Deploy. Each stage is fed by the one before through artifacts: the
build consumes the source and produces the package, the tests run on the same source revision
before anything is deployed, and the deploy stage consumes the built package, never raw source.
"""

from __future__ import annotations

from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_s3 as s3
from constructs import Construct


class DeliveryPipeline(Construct):
    """A V2 CodePipeline: S3 source, CodeBuild build, CodeBuild tests, CodeBuild deploy."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source_bucket: s3.IBucket,
        build_project: codebuild.IProject,
        test_project: codebuild.IProject,
        deploy_project: codebuild.IProject,
        source_key: str = "source.zip",
        artifact_bucket: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, id)
        source = codepipeline.Artifact("Source")
        package = codepipeline.Artifact("Package")
        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_type=codepipeline.PipelineType.V2,
            artifact_bucket=artifact_bucket,
            stages=[
                codepipeline.StageProps(
                    stage_name="Source",
                    actions=[
                        actions.S3SourceAction(
                            action_name="Source",
                            bucket=source_bucket,
                            bucket_key=source_key,
                            output=source,
                        )
                    ],
                ),
                codepipeline.StageProps(
                    stage_name="Build",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="Build",
                            project=build_project,
                            input=source,
                            outputs=[package],
                        )
                    ],
                ),
                codepipeline.StageProps(
                    stage_name="Test",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="UnitTests",
                            type=actions.CodeBuildActionType.TEST,
                            project=test_project,
                            input=source,
                        )
                    ],
                ),
                codepipeline.StageProps(
                    stage_name="Deploy",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="Deploy",
                            project=deploy_project,
                            input=package,
                        )
                    ],
                ),
            ],
        )
