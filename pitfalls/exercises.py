"""The exercise of each scenario: what the learner writes, the harness it is graded in, the hints.

Harnesses put the learner's construct into a realistic stack built from the reference constructs
in `solutions/`, so the checks see it where it matters (a bucket as a pipeline's source, a
pipeline fed by real projects).
"""

from __future__ import annotations

from typing import Any

from pitfalls.exercise import Exercise, register


def _projects(stack: Any) -> dict[str, Any]:
    from solutions.codebuild_configuration import (
        NodeProject,
        build_spec_for_build,
        build_spec_for_deploy,
        build_spec_for_tests,
    )

    return {
        "build_project": NodeProject(stack, "Build", build_spec=build_spec_for_build()).project,
        "test_project": NodeProject(stack, "Tests", build_spec=build_spec_for_tests()).project,
        "deploy_project": NodeProject(stack, "Deploy", build_spec=build_spec_for_deploy()).project,
    }


def _pipeline_harness(stack: Any, cls: type) -> None:
    from solutions.s3_source_bucket import SourceBucket

    source = SourceBucket(stack, "Source")
    cls(stack, "Delivery", source_bucket=source.bucket, **_projects(stack))


def _source_bucket_harness(stack: Any, cls: type) -> None:
    from solutions.incomplete_pipeline_stages import DeliveryPipeline

    source = cls(stack, "Source")
    bucket = getattr(source, "bucket", None)
    if bucket is None:
        raise AttributeError("your SourceBucket must set self.bucket to the s3.Bucket it creates")
    DeliveryPipeline(stack, "Delivery", source_bucket=bucket, **_projects(stack))


register(
    Exercise(
        scenario=1,
        class_name="DeliveryPipeline",
        task=(
            "Write DeliveryPipeline(scope, id, *, source_bucket, build_project, test_project, "
            "deploy_project) with stages Source -> Build -> Test -> Deploy, linked by artifacts."
        ),
        harness=_pipeline_harness,
        hints=(
            "In AWS::CodePipeline::Pipeline, Stages need a Build action whose OutputArtifacts "
            "become the deploy action's InputArtifacts, and a Test action (Category 'Test') "
            "before the last stage.",
            "codepipeline_actions.CodeBuildAction(action_name='Build', project=build_project, "
            "input=source, outputs=[package]); CodeBuildAction(..., "
            "type=CodeBuildActionType.TEST, project=test_project, input=source); the deploy "
            "action gets input=package.",
        ),
        solution="solutions.incomplete_pipeline_stages:DeliveryPipeline",
    )
)

register(
    Exercise(
        scenario=7,
        class_name="SourceBucket",
        task=(
            "Write SourceBucket(scope, id) that sets self.bucket to an s3.Bucket fit to be a "
            "CodePipeline S3 source."
        ),
        harness=_source_bucket_harness,
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
