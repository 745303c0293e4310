"""Scenario 07: the S3 buckets a pipeline takes its source from and keeps its artifacts in.

cdk-nag reports public access (AwsSolutions-S2, S5) and, on every bucket, plain HTTP (S10), but
only in an app that runs it. These checks cover versioning, which CodePipeline's S3 source action
requires, old versions piling up, and (what 07 teaches with `enforce_ssl=True`) TLS-only access
to the buckets the pipeline itself reads and writes, whether cdk-nag ran or not.
"""

from __future__ import annotations

from collections.abc import Iterator

from pitfalls.checks import Violation, check
from pitfalls.templates import PIPELINE, Json, Template, as_list, pipeline_actions, ref_target

BUCKET = "AWS::S3::Bucket"
BUCKET_POLICY = "AWS::S3::BucketPolicy"


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


def pipeline_buckets(t: Template) -> dict[str, str]:
    """Buckets of this template that a pipeline reads or writes (source, artifact store, S3
    deploy target), each with what it is to which pipeline."""
    out: dict[str, str] = {}
    for lid, _ in t.resources(PIPELINE):
        props = t.props(lid)
        stores = [props.get("ArtifactStore")] + [
            s.get("ArtifactStore") for s in as_list(props.get("ArtifactStores")) if isinstance(s, dict)
        ]
        for store in stores:
            if isinstance(store, dict) and t.type_of(ref_target(store.get("Location"))) == BUCKET:
                out.setdefault(str(ref_target(store.get("Location"))), f"artifact store of {lid}")
        for action in pipeline_actions(props):
            key = {"Source": "S3Bucket", "Deploy": "BucketName"}.get(action.category)
            target = ref_target(action.configuration.get(key)) if action.provider == "S3" and key else None
            if t.type_of(target) == BUCKET:
                out.setdefault(str(target), f"{action.category.lower()} bucket of {lid}")
    return out


def _denies_plain_http(statement: Json) -> bool:
    if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    if principal != "*" and not (isinstance(principal, dict) and "*" in as_list(principal.get("AWS"))):
        return False
    if not any(a in ("*", "s3:*") for a in as_list(statement.get("Action"))):
        return False
    secure = ((statement.get("Condition") or {}).get("Bool") or {}).get("aws:SecureTransport")
    return str(secure).lower() == "false"


def tls_only(t: Template, bucket: str) -> bool:
    """Whether a bucket policy of the template refuses every request to `bucket` made without TLS."""
    for lid, _ in t.resources(BUCKET_POLICY):
        props = t.props(lid)
        if ref_target(props.get("Bucket")) != bucket:
            continue
        document = props.get("PolicyDocument")
        statements = as_list(document.get("Statement")) if isinstance(document, dict) else []
        if any(_denies_plain_http(s) for s in statements):
            return True
    return False


@check(
    id="PP07-ACCEPTS-HTTP",
    scenario=7,
    severity="warning",
    requirement="A bucket the pipeline reads or writes refuses requests made without TLS.",
    rationale=(
        "S3 answers plain HTTP as well as HTTPS unless the bucket policy denies requests where "
        "aws:SecureTransport is false. The source zip and the build artifacts are the code that "
        "gets deployed: a client that talks HTTP sends them where anyone on the path can read or "
        "change them. AWS's SDKs and CLI use HTTPS by default, so this is the guard for the one "
        "that does not."
    ),
    fix="s3.Bucket(..., enforce_ssl=True) for the source bucket and the pipeline's artifact bucket",
    source_url="https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule",
)
def accepts_http(t: Template) -> Iterator[Violation]:
    for bucket, role in pipeline_buckets(t).items():
        if not tls_only(t, bucket):
            yield bucket, f"{role}: no bucket policy denies requests without TLS (aws:SecureTransport)"
