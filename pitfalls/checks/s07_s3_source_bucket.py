"""Scenario 07: the S3 bucket a pipeline takes its source from.

cdk-nag already reports TLS (AwsSolutions-S10) and public access (S2, S5); these checks cover what
it does not: versioning, which CodePipeline's S3 source action requires, and old versions piling up.
"""

from __future__ import annotations

from collections.abc import Iterator

from pitfalls.checks import Violation, check
from pitfalls.templates import PIPELINE, Json, Template, as_list, pipeline_actions, ref_target

BUCKET = "AWS::S3::Bucket"


def source_buckets(t: Template) -> dict[str, str]:
    """Logical ids of the buckets used by S3 source actions, with the pipeline that uses them."""
    out: dict[str, str] = {}
    for lid, _ in t.resources(PIPELINE):
        for action in pipeline_actions(t.props(lid)):
            if action.category == "Source" and action.provider == "S3":
                target = ref_target(action.configuration.get("S3Bucket"))
                if t.type_of(target) == BUCKET:
                    out.setdefault(str(target), lid)
    return out


def _versioned(props: dict[str, Json]) -> bool:
    return (props.get("VersioningConfiguration") or {}).get("Status") == "Enabled"


def _expires_noncurrent(props: dict[str, Json]) -> bool:
    rules = as_list((props.get("LifecycleConfiguration") or {}).get("Rules"))
    return any(
        isinstance(r, dict)
        and r.get("Status", "Enabled") == "Enabled"
        and (
            r.get("NoncurrentVersionExpiration")
            or r.get("NoncurrentVersionExpirationInDays")
            or r.get("NoncurrentVersionTransitions")
            or r.get("NoncurrentVersionTransition")
        )
        for r in rules
    )


@check(
    id="PP07-SOURCE-NOT-VERSIONED",
    scenario=7,
    severity="error",
    requirement="A bucket used as a CodePipeline S3 source has versioning enabled.",
    rationale=(
        "CodePipeline's S3 source action works on a versioned bucket only: it records the object "
        "version it took, so every stage works on the same upload. Without versioning the source "
        "action fails and the pipeline never starts."
    ),
    fix="s3.Bucket(..., versioned=True)",
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3.html",
)
def source_not_versioned(t: Template) -> Iterator[Violation]:
    for bucket, pipeline in source_buckets(t).items():
        if not _versioned(t.props(bucket)):
            yield bucket, f"source bucket of {pipeline} has no VersioningConfiguration Enabled"


@check(
    id="PP07-NO-VERSION-EXPIRY",
    scenario=7,
    severity="warning",
    requirement="A versioned source bucket expires noncurrent versions with a lifecycle rule.",
    rationale=(
        "Every upload to a versioned bucket is kept forever unless a rule expires it: old source "
        "zips pile up and are billed, and nobody decides how long a rollback can reach back."
    ),
    fix=(
        "lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))]"
    ),
    source_url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html",
)
def no_version_expiry(t: Template) -> Iterator[Violation]:
    for bucket in source_buckets(t):
        props = t.props(bucket)
        if _versioned(props) and not _expires_noncurrent(props):
            yield bucket, "versioned source bucket has no lifecycle rule for noncurrent versions"
