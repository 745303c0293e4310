"""The services of the local AWS, one package per service in moto's names (`s3`, `awslambda`...).

Each package holds, as far as it needs them:
- `model.py`: the strict CloudFormation models of its resource types (server side, over moto);
- `readback.py`: how a deployed resource of those types is read back through the service's API
  and compared with its template (client side, over boto3; see `pitfalls.emulator.verify`);
- `patches.py`: the changes to moto's implementation of the service (see
  `pitfalls.emulator.patches`).

Importing this package is cheap: `load_models()` imports moto, `load_readbacks()` boto3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pitfalls.emulator.cloudformation.resource import Resource

SERVICES = (
    "awslambda", "cdk", "cloudtrail", "cloudwatch", "codebuild", "codedeploy", "codepipeline",
    "codestarnotifications", "ecr", "events", "iam", "kms", "logs", "s3", "sns", "sqs", "ssm",
)


def load_models() -> dict[str, type[Resource]]:
    """Import every service's models (each registers its classes) and return the registry."""
    from pitfalls.emulator.cloudformation.resource import REGISTRY

    for name in SERVICES:
        importlib.import_module(f"pitfalls.emulator.services.{name}.model")
    return REGISTRY


def load_readbacks() -> None:
    """Import every service's read-back (each registers its checks)."""
    for name in SERVICES:
        importlib.import_module(f"pitfalls.emulator.services.{name}.readback")
