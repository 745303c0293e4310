"""Exercise 01: wire Source -> Build -> Test -> Approve -> Deploy, linked by artifacts, deploying
through CloudFormation once a person approved.

The variant: the same lesson (nothing reaches the deploy that was not built and tested) with a
release manager's approval between the tests and the deploy, announced on an SNS topic, so the
notebook's `DeliveryPipeline` (no approval) is not the answer.
"""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import each, owned, reference_projects
from pitfalls.templates import PipelineAction, Template, pipeline_actions
from pitfalls.templates.refs import ref_target


def harness(stack: Any, cls: type) -> None:
    from solutions.s3_source_bucket import SourceBucket

    source = SourceBucket(stack, "Source")
    cls(stack, "Delivery", source_bucket=source.bucket, **reference_projects(stack))


def _pipelines(t: Template) -> list[str]:
    return owned(t, "Delivery", "AWS::CodePipeline::Pipeline")


def _where(a: PipelineAction) -> str:
    return f"{a.stage}/{a.name}"


def _approvals(actions: list[PipelineAction]) -> list[PipelineAction]:
    return [a for a in actions if a.category == "Approval" and a.provider == "Manual"]


@each(_pipelines, "pipeline")
def approval_between(t: Template, lid: str) -> str:
    def at(a: PipelineAction) -> tuple[int, int]:
        return a.stage_index, a.run_order

    actions = pipeline_actions(t.props(lid))
    tests = [at(a) for a in actions if a.category == "Test"]
    deploys = [at(a) for a in actions if a.category == "Deploy"]
    approvals = _approvals(actions)
    if any(tests and deploys and max(tests) < at(a) < min(deploys) for a in approvals):
        return ""
    stages = " -> ".join(dict.fromkeys(a.stage for a in actions))
    if not approvals:
        return f"its Stages are {stages}, with no manual approval action (Category Approval)"
    return (f"its approval {', '.join(map(_where, approvals))} does not run after the last "
            f"Test action and before the Deploy action (Stages: {stages})")


@each(_pipelines, "pipeline")
def approval_notifies(t: Template, lid: str) -> str:
    approvals = _approvals(pipeline_actions(t.props(lid)))
    if not approvals:
        return "it has no manual approval action to announce"
    silent = [a for a in approvals
              if t.type_of(ref_target(a.configuration.get("NotificationArn"))) != "AWS::SNS::Topic"]
    return (f"its approval {', '.join(map(_where, silent))} has no NotificationArn "
            "(Configuration): nobody is told that a release waits") if silent else ""


# The exercise cell as the notebook ships it (below its %%exercise line): run as given, it is
# graded but not recorded as an attempt.
STARTER = """\
from aws_cdk import aws_sns as sns


class ReleasePipeline(Construct):
    def __init__(self, scope, id, *, source_bucket, build_project, synth_project, test_project):
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
                        deploy_action(stack_name=APPLICATION_STACK, template=source, package=source)
                    ],
                ),
            ],
        )
"""


register(
    Exercise(
        scenario=1,
        class_name="ReleasePipeline",
        task=(
            "Write ReleasePipeline(scope, id, *, source_bucket, build_project, synth_project, "
            "test_project) with stages Source -> Build -> Test -> Approve -> Deploy, linked by "
            "artifacts: the build makes the package and the template, the tests run on the "
            "package, a release manager approves, announced on an SNS topic, then CloudFormation "
            "deploys both."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E01-APPROVAL-BEFORE-DEPLOY",
                        "a manual approval after the tests and before the deploy",
                        approval_between),
            Requirement("E01-APPROVAL-NOTIFIES",
                        "the approval request is published to an SNS topic the release managers "
                        "follow", approval_notifies),
        ),
        hints=(
            "Read the pipeline's Stages in the template (AWS::CodePipeline::Pipeline): follow each "
            "action's InputArtifacts back to the OutputArtifacts that made them. The deploy must "
            "read the Build stage's outputs, a Test action (Category Test) must run on the "
            "package before it, and the ticket adds, between them, an action whose ActionTypeId "
            "is Category Approval, Provider Manual, with a NotificationArn in its Configuration.",
            "CodeBuildAction(action_name='Package', project=build_project, input=source, "
            "outputs=[package]) and CodeBuildAction(action_name='Synth', project=synth_project, "
            "input=source, outputs=[template]); CodeBuildAction(..., "
            "type=CodeBuildActionType.TEST, project=test_project, input=package); a stage "
            "'Approve' with actions.ManualApprovalAction(action_name=..., "
            "notification_topic=sns.Topic(self, ..., enforce_ssl=True)); then "
            "deploy_action(stack_name=APPLICATION_STACK, template=template, package=package).",
        ),
        docs=(
            "https://docs.aws.amazon.com/cdk/api/v2/docs/"
            "aws-cdk-lib.aws_codepipeline_actions.ManualApprovalActionProps.html",
            "https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-json-format.html",
        ),
        solution="solutions.incomplete_pipeline_stages:DeliveryPipeline",
        answer="pitfalls.learner.exercises.answers.e01_incomplete_pipeline_stages:ReleasePipeline",
        promised=("PP01-NO-BUILD", "PP01-NO-TEST", "PP01-DEPLOYS-SOURCE",
                  "E01-APPROVAL-BEFORE-DEPLOY", "E01-APPROVAL-NOTIFIES"),
    )
)
