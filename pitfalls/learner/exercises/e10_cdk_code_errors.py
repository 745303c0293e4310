"""Exercise 10: split a construct that does everything into one construct per concern."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register


def harness(stack: Any, cls: type) -> None:
    from solutions.cdk_code_errors import DeliveryAppProps

    cls(stack, "App", DeliveryAppProps(stage="dev"))


STARTER = """\
class DeliveryApp(Construct):
    def __init__(self, scope, id, props):
        super().__init__(scope, id)
        bucket = s3.Bucket(self, "SourceBucket", versioned=True, enforce_ssl=True)
        project = codebuild.PipelineProject(
            self,
            "BuildProject",
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0
            ),
        )
        project.node.default_child.add_property_override("queuedTimeoutInMinutes", 30)
        bucket.grant_read(project)
        lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.NODEJS_24_X,
            handler="src/index.handler",
            code=lambda_.Code.from_asset(str(props.code_dir), exclude=["test", "node_modules"]),
            environment={"APP_STAGE": props.stage},
        )
        topic = sns.Topic(self, "AlertsTopic", enforce_ssl=True)
        events.Rule(
            self,
            "BuildFailed",
            event_pattern=events.EventPattern(
                source=["aws.codebuild"],
                detail={"build-status": ["FAILED"], "project-name": [project.project_name]},
            ),
            targets=[targets.SnsTopic(topic)],
        )
"""


register(
    Exercise(
        scenario=10,
        class_name="DeliveryApp",
        task=(
            "Write DeliveryApp(scope, id, props) that composes one construct per concern "
            "(source bucket, build project, function, failure alerts) and uses no escape hatch."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "Each resource's Metadata aws:cdk:path says which scope made it: Exercise/App/SourceBucket/"
            "Resource means DeliveryApp made the bucket itself; after the split it reads "
            "Exercise/App/Source/Bucket/Resource. And CloudFormation's property is "
            "QueuedTimeoutInMinutes, not queuedTimeoutInMinutes.",
            "class SourceStore(Construct): def __init__(self, scope, id, props: SourceProps): "
            "super().__init__(scope, id); self.bucket = s3.Bucket(self, 'Bucket', ...), the same "
            "for BuildProject, AppFunction and FailureAlerts; DeliveryApp creates the four. For "
            "the queue timeout use the typed prop instead of an escape hatch: "
            "codebuild.PipelineProject(..., queued_timeout=Duration.minutes(30)).",
        ),
        solution="solutions.cdk_code_errors:DeliveryApp",
        tool_rules=("F3002", "F3003"),
    )
)
