"""Pieces the exercise harnesses share: the reference pipeline's CodeBuild projects, buckets, alias."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from pitfalls.templates.template import Template

Check = Callable[[Template], list[tuple[str, str]]]  # what a Requirement takes


def reference_projects(stack: Any, encryption_key: Any = None) -> dict[str, Any]:
    """Build, synth and test projects from solutions/, as keyword arguments for a pipeline
    (`DeliveryPipeline`, which deploys through CloudFormation)."""
    from solutions.codebuild_configuration import (
        NodeProject,
        build_spec_for_build,
        build_spec_for_synth,
        build_spec_for_tests,
    )
    from solutions.incomplete_pipeline_stages import APPLICATION_STACK

    specs = {
        "build_project": ("Build", build_spec_for_build()),
        "synth_project": ("Synth", build_spec_for_synth(APPLICATION_STACK)),
        "test_project": ("Tests", build_spec_for_tests()),
    }
    return {
        arg: NodeProject(stack, id, build_spec=spec, encryption_key=encryption_key).project
        for arg, (id, spec) in specs.items()
    }


def reference_alias(stack: Any, function: Any) -> Any:
    """The `live` alias on the function's current version, as the reference pipeline names it."""
    from aws_cdk import aws_lambda as lambda_

    from solutions.versioning_and_rollback import ALIAS_NAME

    return lambda_.Alias(stack, "Alias", alias_name=ALIAS_NAME, version=function.current_version)


def reference_encrypted_pipeline(stack: Any, key: Any) -> dict[str, Any]:
    """The reference pipeline with source and artifact buckets encrypted with `key`, logging to an
    access-log bucket: {"access_logs", "source", "pipeline", "projects"}."""
    from solutions.incomplete_pipeline_stages import DeliveryPipeline
    from solutions.monitoring_and_logging import AccessLogsBucket
    from solutions.s3_source_bucket import SourceBucket
    from solutions.security_and_encryption import ArtifactsBucket

    access_logs = AccessLogsBucket(stack, "AccessLogs").bucket
    source = SourceBucket(stack, "Source", encryption_key=key, access_logs=access_logs).bucket
    artifacts = ArtifactsBucket(stack, "Artifacts", encryption_key=key, access_logs=access_logs)
    projects = reference_projects(stack, encryption_key=key)
    pipeline = DeliveryPipeline(
        stack, "Delivery", source_bucket=source, artifact_bucket=artifacts.bucket, **projects
    ).pipeline
    return {"access_logs": access_logs, "source": source, "pipeline": pipeline,
            "projects": projects}


def owned(template: Template, construct_id: str, resource_type: str) -> list[str]:
    """Logical ids of the `resource_type` resources the learner's construct (the harness's
    `construct_id` under the stack) created, from their aws:cdk:path metadata."""
    prefix = f"{template.name}/{construct_id}/"
    return [lid for lid, _ in template.resources(resource_type)
            if (template.cdk_path(lid) or "").startswith(prefix)]


def missing(what: str) -> list[tuple[str, str]]:
    """A requirement's answer when the resource it is about is not there at all."""
    return [("", f"it creates no {what}")]


def each(select: Callable[[Template], Sequence[str]], what: str, *,
         one_will_do: bool = False) -> Callable[[Callable[[Template, str], str]], Check]:
    """Makes a Requirement's check of `judge(t, lid)`, which says what the learner's code did to
    one resource `select` picks when it falls short ("" when it is met): missing(what) when there
    is none; with `one_will_do`, met as soon as one of them meets it."""
    def decorate(judge: Callable[[Template, str], str]) -> Check:
        @wraps(judge)
        def check(t: Template) -> list[tuple[str, str]]:
            lids = select(t)
            if not lids:
                return missing(what)
            found = [(lid, judge(t, lid)) for lid in lids]
            short = [(lid, did) for lid, did in found if did]
            return [] if one_will_do and len(short) < len(found) else short
        return check
    return decorate


def as_text(value: Any) -> str:
    """A template value as the learner reads it: literals as they are, {"Ref": X} as ${X},
    Fn::GetAtt as ${X.Attr}, Fn::Join joined."""
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref":
            return "${" + str(arg) + "}"
        if fn == "Fn::GetAtt":
            return "${" + ".".join(map(str, arg if isinstance(arg, list) else [arg])) + "}"
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            return str(arg[0]).join(as_text(v) for v in arg[1] or [])
    return value if isinstance(value, str) else str(value)
