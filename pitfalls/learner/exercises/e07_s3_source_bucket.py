"""Exercise 07: a source bucket fit for CodePipeline."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register
from pitfalls.learner.exercises.harness import reference_projects


def harness(stack: Any, cls: type) -> None:
    from solutions.incomplete_pipeline_stages import DeliveryPipeline

    source = cls(stack, "Source")
    bucket = getattr(source, "bucket", None)
    if bucket is None:
        raise AttributeError("your SourceBucket must set self.bucket to the s3.Bucket it creates")
    DeliveryPipeline(stack, "Delivery", source_bucket=bucket, **reference_projects(stack))


STARTER = """\
class SourceBucket(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        self.bucket = s3.Bucket(self, "Bucket")
"""


register(
    Exercise(
        scenario=7,
        class_name="SourceBucket",
        task=(
            "Write SourceBucket(scope, id) that sets self.bucket to an s3.Bucket fit to be a "
            "CodePipeline S3 source."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "AWS::S3::Bucket needs VersioningConfiguration: {Status: Enabled}, a "
            "LifecycleConfiguration rule with NoncurrentVersionExpiration, a "
            "PublicAccessBlockConfiguration that blocks everything, and a bucket policy that "
            "denies aws:SecureTransport = false.",
            "s3.Bucket(self, 'Bucket', versioned=True, enforce_ssl=True, "
            "block_public_access=s3.BlockPublicAccess.BLOCK_ALL, lifecycle_rules=["
            "s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))])",
        ),
        solution="solutions.s3_source_bucket:SourceBucket",
        tool_rules=("AwsSolutions-S2", "AwsSolutions-S5", "AwsSolutions-S10"),
    )
)
