"""Pieces the exercise harnesses share: the reference pipeline's CodeBuild projects."""

from __future__ import annotations

from typing import Any


def reference_projects(stack: Any, encryption_key: Any = None) -> dict[str, Any]:
    """Build, test and deploy projects from solutions/, as keyword arguments for a pipeline."""
    from solutions.codebuild_configuration import (
        NodeProject,
        build_spec_for_build,
        build_spec_for_deploy,
        build_spec_for_tests,
    )

    specs = {
        "build_project": ("Build", build_spec_for_build()),
        "test_project": ("Tests", build_spec_for_tests()),
        "deploy_project": ("Deploy", build_spec_for_deploy()),
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
