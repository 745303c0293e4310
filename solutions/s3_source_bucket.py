"""Scenario 07: the S3 bucket CodePipeline takes its source from.

CodePipeline's S3 source action only works on a versioned bucket: it records the object version
it picked up, so every later stage works on exactly that upload. Versioning keeps every old
upload too, so old versions need a lifecycle rule; the bucket also refuses plain HTTP and any
public access.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct


class SourceBucket(Construct):
    """A versioned, private, TLS-only source bucket whose old versions expire."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        encryption_key: kms.IKey | None = None,
        keep_old_versions_days: int = 30,
        access_logs: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            versioned=True,  # required by CodePipeline's S3 source action
            encryption=s3.BucketEncryption.KMS if encryption_key else s3.BucketEncryption.S3_MANAGED,
            encryption_key=encryption_key,
            bucket_key_enabled=True if encryption_key else None,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="source-bucket/" if access_logs else None,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireOldSourceVersions",
                    noncurrent_version_expiration=Duration.days(keep_old_versions_days),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
