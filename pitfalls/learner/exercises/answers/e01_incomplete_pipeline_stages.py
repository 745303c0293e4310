"""Exercise 01's answer: build, test, a release manager's approval, then the CloudFormation deploy."""

from __future__ import annotations

from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from solutions.incomplete_pipeline_stages import APPLICATION_STACK, deploy_action


class ReleasePipeline(Construct):
    """Source -> Build (package, template) -> Test (on the package) -> Approve -> Deploy."""

    def __init__(self, scope: Construct, id: str, *, source_bucket: s3.IBucket,
                 build_project: codebuild.IProject, synth_project: codebuild.IProject,
                 test_project: codebuild.IProject) -> None:
        super().__init__(scope, id)
        source = codepipeline.Artifact("Source")
        package = codepipeline.Artifact("Package")
        template = codepipeline.Artifact("Template")
        # The release managers subscribe to this topic; CDK lets the pipeline publish to it.
        self.approvals = sns.Topic(self, "Approvals", enforce_ssl=True)
        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_type=codepipeline.PipelineType.V2,
            stages=[
                codepipeline.StageProps(stage_name="Source", actions=[actions.S3SourceAction(
                    action_name="Source", bucket=source_bucket, bucket_key="source.zip",
                    output=source)]),
                codepipeline.StageProps(stage_name="Build", actions=[
                    actions.CodeBuildAction(action_name="Package", project=build_project,
                                            input=source, outputs=[package]),
                    actions.CodeBuildAction(action_name="Synth", project=synth_project,
                                            input=source, outputs=[template]),
                ]),
                codepipeline.StageProps(stage_name="Test", actions=[actions.CodeBuildAction(
                    action_name="UnitTests", type=actions.CodeBuildActionType.TEST,
                    project=test_project, input=package)]),
                # After the tests passed on the package, before anything is deployed.
                codepipeline.StageProps(stage_name="Approve", actions=[actions.ManualApprovalAction(
                    action_name="ReleaseManager", notification_topic=self.approvals,
                    additional_information="The tests passed: approve to deploy this revision.")]),
                codepipeline.StageProps(stage_name="Deploy", actions=[deploy_action(
                    stack_name=APPLICATION_STACK, template=template, package=package)]),
            ],
        )
