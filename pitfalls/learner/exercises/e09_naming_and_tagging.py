"""Exercise 09: one environment's resources, named with the environment and tagged."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register


def harness(stack: Any, cls: type) -> None:
    # Only the learner's construct: every resource in the stack is theirs to name and tag.
    cls(stack, "Service", environment="dev")


STARTER = """\
class ServiceResources(Construct):
    def __init__(self, scope, id, *, environment):
        super().__init__(scope, id)
        self.artifacts = s3.Bucket(
            self, "Artifacts", bucket_name="pipeline-pitfalls-artifacts", enforce_ssl=True
        )
        self.topic = sns.Topic(self, "Alerts", topic_name="pipeline-pitfalls-alerts")
        self.logs = logs.LogGroup(
            self,
            "Logs",
            log_group_name="/pipeline-pitfalls/failure-notifier",
            retention=logs.RetentionDays.ONE_MONTH,
        )
        self.function = lambda_.Function(
            self,
            "Notifier",
            function_name=f"pipeline-pitfalls-deployment-failure-notification-handler-{environment}",
            runtime=lambda_.Runtime.NODEJS_24_X,
            handler="index.handler",
            code=lambda_.Code.from_inline("exports.handler = async () => {};"),
            environment={"TOPIC_ARN": self.topic.topic_arn},
            log_group=self.logs,
        )
        self.topic.grant_publish(self.function)
"""


register(
    Exercise(
        scenario=9,
        class_name="ServiceResources",
        task=(
            "Write ServiceResources(scope, id, *, environment) whose fixed names all carry the "
            "environment and whose resources all carry the Project and Environment tags."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "Every taggable resource needs Tags with Key: Project and Key: Environment. A "
            "BucketName, TopicName, FunctionName or LogGroupName must contain the environment "
            "(pipeline-pitfalls-dev-alerts), or be left out so CloudFormation generates it.",
            "naming = Naming('pipeline-pitfalls', environment) (from solutions.naming_and_tagging), "
            "then topic_name=naming.name('alerts'), log_group_name=naming.log_group_name('app'); "
            "drop bucket_name; and Tags.of(self).add('Project', 'pipeline-pitfalls'), "
            "Tags.of(self).add('Environment', environment), or naming.apply_tags(self).",
        ),
        solution="solutions.naming_and_tagging:ServiceResources",
    )
)
