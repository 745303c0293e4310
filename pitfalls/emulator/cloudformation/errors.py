"""Failures the emulator's CloudFormation reports. Each message names what failed, in one line.

They derive from moto's CloudFormationError, so a failure outside a stack operation still reaches
the client as a 400 with our message, never as a 500 that an SDK would retry.
"""

from __future__ import annotations

from moto.cloudformation.exceptions import CloudFormationError

COVERAGE_DOC = "docs/emulator-coverage.md"


class EmulatorFailure(CloudFormationError):
    code = "ValidationError"


class UnsupportedType(EmulatorFailure):
    def __init__(self, resource_type: str) -> None:
        super().__init__(
            f"Unsupported resource type {resource_type}: the local AWS does not emulate it "
            f"(strict mode; supported types are listed in {COVERAGE_DOC})"
        )


class UnsupportedProperty(EmulatorFailure):
    def __init__(self, resource_type: str, prop: str, detail: str = "") -> None:
        why = f" ({detail})" if detail else ""
        super().__init__(
            f"Unsupported property {prop} of {resource_type}{why}: the local AWS would ignore it, "
            "so it refuses the template (strict mode)"
        )


class UnsupportedAttribute(EmulatorFailure):
    def __init__(self, resource_type: str, attr: str) -> None:
        super().__init__(
            f"Template error: resource type {resource_type} does not support attribute {attr} "
            "in Fn::GetAtt in the local AWS"
        )


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"ChangeSet [{name}] does not exist")


class InvalidProperty(EmulatorFailure):
    """A value CloudFormation itself would reject (missing required property, wrong shape)."""


class ResourceFailure(Exception):
    """A resource operation failed inside a stack operation; the engine turns it into events."""

    def __init__(self, logical_id: str, resource_type: str, status: str, reason: str) -> None:
        super().__init__(f"{logical_id} ({resource_type}) {status}: {reason}")
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.status = status
        self.reason = reason


def reason_of(exc: BaseException) -> str:
    """One line for a resource event: the service's own message, without Python noise."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    code = next((c for c in (getattr(exc, "error_type", None), getattr(exc, "code", None))
                 if isinstance(c, str) and c), None)
    first = str(message).strip().splitlines()[0] if str(message).strip() else type(exc).__name__
    if isinstance(exc, EmulatorFailure):
        return first
    prefix = f"{code}: " if code and not first.startswith(code) else ""
    if not code:
        prefix = f"{type(exc).__name__}: "
    return (prefix + first)[:1000]
