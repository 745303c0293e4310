"""Exercise 07: a release reports bucket that is a pipeline's source and keeps old reports longer.

The variant: the same four lessons (versioning, expiry, no public access, TLS only) on a bucket
whose ticket sets its own retention, so the notebook's `SourceBucket` (30 days) is not the answer.
"""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import each, owned, reference_projects
from pitfalls.templates.template import Template

KEEP_DAYS = 90  # the ticket: auditors need every old report for 90 days
IA_AFTER_DAYS = 30  # ... and the old ones move to Standard-IA after 30


def harness(stack: Any, cls: type) -> None:
    from solutions.incomplete_pipeline_stages import DeliveryPipeline

    reports = cls(stack, "Source")  # the id the notebook's evidence uses
    bucket = getattr(reports, "bucket", None)
    if bucket is None:
        raise AttributeError(f"your {cls.__name__} must set self.bucket to the s3.Bucket it creates")
    DeliveryPipeline(stack, "Delivery", source_bucket=bucket, **reference_projects(stack))


def _rules(t: Template, lid: str) -> list[dict[str, Any]]:
    config = t.props(lid).get("LifecycleConfiguration") or {}
    rules = config.get("Rules") if isinstance(config, dict) else None
    return [r for r in rules or [] if isinstance(r, dict) and r.get("Status", "Enabled") == "Enabled"]


def _buckets(t: Template) -> list[str]:
    return owned(t, "Source", "AWS::S3::Bucket")


@each(_buckets, "bucket")
def noncurrent_days(t: Template, lid: str) -> str:
    days = [(r.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays") for r in _rules(t, lid)]
    days = [d for d in days if d is not None]
    if KEEP_DAYS in days:
        return ""
    return (f"its lifecycle expires noncurrent versions after {', '.join(map(str, days))} days "
            "(NoncurrentVersionExpiration.NoncurrentDays)" if days
            else "no enabled lifecycle rule expires its noncurrent versions")


@each(_buckets, "bucket")
def noncurrent_to_ia(t: Template, lid: str) -> str:
    moves = [(m.get("StorageClass"), m.get("TransitionInDays"))
             for r in _rules(t, lid) for m in r.get("NoncurrentVersionTransitions") or []]
    if ("STANDARD_IA", IA_AFTER_DAYS) in moves:
        return ""
    return ("its noncurrent versions move to " + ", ".join(f"{c} after {d} days" for c, d in moves)
            + " (NoncurrentVersionTransitions)" if moves
            else "no lifecycle rule moves its noncurrent versions (NoncurrentVersionTransitions)")


STARTER = """\
class ReportsBucket(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        self.bucket = s3.Bucket(self, "Bucket")
"""


register(
    Exercise(
        scenario=7,
        class_name="ReportsBucket",
        task=(
            "Write ReportsBucket(scope, id): a pipeline source bucket for release reports whose "
            f"old versions stay {KEEP_DAYS} days and move to Standard-IA after {IA_AFTER_DAYS}."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E07-NONCURRENT-DAYS",
                        f"keep noncurrent versions {KEEP_DAYS} days, then expire them", noncurrent_days),
            Requirement("E07-NONCURRENT-TO-IA",
                        f"move noncurrent versions to STANDARD_IA after {IA_AFTER_DAYS} days",
                        noncurrent_to_ia),
        ),
        hints=(
            "Read each finding's resource: it is your bucket in the template (AWS::S3::Bucket). "
            "A pipeline source needs VersioningConfiguration Enabled, a public access block and a "
            "TLS-only bucket policy, as in the notebook; the ticket adds to LifecycleConfiguration "
            "a rule with NoncurrentVersionExpiration and NoncurrentVersionTransitions.",
            "s3.Bucket(self, 'Bucket', versioned=..., enforce_ssl=..., block_public_access=..., "
            "lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(...), "
            "noncurrent_version_transitions=[s3.NoncurrentVersionTransition(storage_class="
            "s3.StorageClass.INFREQUENT_ACCESS, transition_after=Duration.days(...))])])",
        ),
        docs=(
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
            "aws-properties-s3-bucket-noncurrentversiontransition.html",
            "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_s3.NoncurrentVersionTransition.html",
        ),
        solution="solutions.s3_source_bucket:SourceBucket",
        answer="pitfalls.learner.exercises.answers.e07_s3_source_bucket:ReportsBucket",
        promised=("PP07-SOURCE-NOT-VERSIONED", "E07-NONCURRENT-DAYS", "E07-NONCURRENT-TO-IA"),
        tool_rules=("AwsSolutions-S2", "AwsSolutions-S5", "AwsSolutions-S10"),
    )
)
