"""Exercise 11: a customer-managed key that the pipeline's services can use."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register
from pitfalls.learner.exercises.harness import reference_encrypted_pipeline


def harness(stack: Any, cls: type) -> None:
    """The reference pipeline, every piece encrypted with the learner's key."""
    from aws_cdk import aws_sns as sns

    from solutions.security_and_encryption import SecurityScan

    key = getattr(cls(stack, "Key"), "key", None)
    if key is None:
        raise AttributeError("your PipelineKey must set self.key to the kms.Key it creates")
    pipeline = reference_encrypted_pipeline(stack, key)["pipeline"]
    SecurityScan(stack, "Scan", encryption_key=key).add_to(pipeline)
    sns.Topic(stack, "Alerts", master_key=key, enforce_ssl=True)


STARTER = """\
class PipelineKey(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        self.key = kms.Key(self, "Key")
"""


register(
    Exercise(
        scenario=11,
        class_name="PipelineKey",
        task=(
            "Write PipelineKey(scope, id) that sets self.key to a kms.Key the pipeline can use for "
            "its artifacts, source, build logs and alerts topic."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "AWS::KMS::Key needs EnableKeyRotation: true, and a KeyPolicy statement that allows "
            "the principal logs.<region>.amazonaws.com kms:Encrypt*, kms:Decrypt*, "
            "kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe*, with the condition ArnLike "
            "kms:EncryptionContext:aws:logs:arn = arn:<partition>:logs:<region>:<account>:log-group:*.",
            "kms.Key(self, 'Key', enable_key_rotation=True), then "
            "self.key.add_to_resource_policy(iam.PolicyStatement(principals=[iam.ServicePrincipal("
            "f'logs.{Stack.of(self).region}.amazonaws.com')], actions=[...], resources=['*'], "
            "conditions={'ArnLike': {'kms:EncryptionContext:aws:logs:arn': Stack.of(self).format_arn("
            "service='logs', resource='log-group', resource_name='*', "
            "arn_format=ArnFormat.COLON_RESOURCE_NAME)}}))",
        ),
        solution="solutions.security_and_encryption:PipelineKey",
        tool_rules=("AwsSolutions-KMS5", "AwsSolutions-CB4", "AwsSolutions-SNS3"),
    )
)
