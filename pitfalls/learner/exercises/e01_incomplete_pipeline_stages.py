"""Exercise 01: wire Source -> Build -> Test -> Deploy, linked by artifacts, deploying through
CloudFormation."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register
from pitfalls.learner.exercises.harness import reference_projects


def harness(stack: Any, cls: type) -> None:
    from solutions.s3_source_bucket import SourceBucket

    source = SourceBucket(stack, "Source")
    cls(stack, "Delivery", source_bucket=source.bucket, **reference_projects(stack))


# The exercise cell as the notebook ships it (below its %%exercise line): run as given, it is
# graded but not recorded as an attempt.
STARTER = """\
class DeliveryPipeline(Construct):
    def __init__(self, scope, id, *, source_bucket, build_project, test_project, deploy_project):
        super().__init__(scope, id)
        source = codepipeline.Artifact("Source")
        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_type=codepipeline.PipelineType.V2,
            stages=[
                codepipeline.StageProps(
                    stage_name="Source",
                    actions=[
                        actions.S3SourceAction(
                            action_name="Source",
                            bucket=source_bucket,
                            bucket_key="source.zip",
                            output=source,
                        )
                    ],
                ),
                codepipeline.StageProps(
                    stage_name="Deploy",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="Deploy", project=deploy_project, input=source
                        )
                    ],
                ),
            ],
        )
"""


register(
    Exercise(
        scenario=1,
        class_name="DeliveryPipeline",
        task=(
            "Write DeliveryPipeline(scope, id, *, source_bucket, build_project, synth_project, "
            "test_project) with stages Source -> Build -> Test -> Deploy, linked by artifacts: "
            "the build makes the package and the template, the tests run on the package, "
            "CloudFormation deploys both."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "In AWS::CodePipeline::Pipeline, Stages need Build actions whose OutputArtifacts "
            "become the deploy action's InputArtifacts, and a Test action (Category 'Test') "
            "before the last stage.",
            "CodeBuildAction(action_name='Package', project=build_project, input=source, "
            "outputs=[package]) and CodeBuildAction(action_name='Synth', project=synth_project, "
            "input=source, outputs=[template]); CodeBuildAction(..., "
            "type=CodeBuildActionType.TEST, project=test_project, input=package); then "
            "deploy_action(stack_name=APPLICATION_STACK, template=template, package=package) "
            "from solutions.incomplete_pipeline_stages.",
        ),
        solution="solutions.incomplete_pipeline_stages:DeliveryPipeline",
    )
)
