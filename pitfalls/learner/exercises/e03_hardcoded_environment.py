"""Exercise 03: a stage's resources with no account, region or fixed name typed in."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register


def harness(stack: Any, cls: type) -> None:
    from solutions.hardcoded_environment import DeploymentConfig

    # An environment-agnostic stack: every literal account or region left is one typed in.
    cls(stack, "Stage", config=DeploymentConfig(stage="dev"))


STARTER = """\
class StageResources(Construct):
    def __init__(self, scope, id, *, config):
        super().__init__(scope, id)
        topic_arn = "arn:aws:sns:us-east-1:123456789012:pipeline-pitfalls-alerts"
        self.bucket = s3.Bucket(self, "Reports", bucket_name="pipeline-pitfalls-reports")
        self.function = lambda_.Function(
            self,
            "Function",
            function_name="pipeline-pitfalls-reports",
            runtime=RUNTIME,
            handler="index.handler",
            code=lambda_.Code.from_inline("exports.handler = async () => ({ ok: true });"),
            environment={
                "REGION": "us-east-1",
                "REPORTS_BUCKET": "pipeline-pitfalls-reports",
                "ALERTS_TOPIC_ARN": topic_arn,
            },
        )
        self.function.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[topic_arn]))
"""


register(
    Exercise(
        scenario=3,
        class_name="StageResources",
        task=(
            "Write StageResources(scope, id, *, config) with a reports bucket and a function "
            "that writes to it and publishes to the stage's alerts topic, with nothing typed in."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "No string in the template may contain a region code or a 12-digit account id: "
            "ARNs use ${AWS::Region} and ${AWS::AccountId}. BucketName is left out, and "
            "FunctionName, if set, carries the stage (pipeline-pitfalls-dev-reports).",
            "Stack.of(self).format_arn(service='sns', resource=config.name('alerts')); "
            "s3.Bucket(self, 'Reports') without bucket_name; "
            "function_name=config.name('reports'); environment={'REPORTS_BUCKET': "
            "bucket.bucket_name, ...}; bucket.grant_put(fn). Lambda sets AWS_REGION itself.",
        ),
        solution="solutions.hardcoded_environment:StageResources",
    )
)
