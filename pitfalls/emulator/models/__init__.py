"""Our CloudFormation models, one module per service. `load_all()` registers every one of them."""

from __future__ import annotations

import importlib

from pitfalls.emulator.models.base import REGISTRY, Resource

MODULES = (
    "cdk", "cloudtrail", "cloudwatch", "codebuild", "codedeploy", "codepipeline", "ecr",
    "events", "iam", "kms", "lambda_", "logs", "s3", "sns", "sqs", "ssm",
)


def load_all() -> dict[str, type[Resource]]:
    """Import every model module (each registers its classes) and return the registry."""
    for name in MODULES:
        importlib.import_module(f"pitfalls.emulator.models.{name}")
    return REGISTRY
