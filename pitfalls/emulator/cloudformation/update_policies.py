"""CloudFormation's update policies, carried out by the service they belong to.

An `UpdatePolicy` attribute asks CloudFormation to update a resource through another service
(`CodeDeployLambdaAliasUpdate`: CodeDeploy moves a Lambda alias). The service that does the work
registers it here (`@carried_out_by("CodeDeployLambdaAliasUpdate")` in the CodeDeploy model), and
the resource being updated asks for it by name, so the two services need not import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pitfalls.emulator.cloudformation.errors import UnsupportedProperty

Policy = Callable[..., Any]
_POLICIES: dict[str, Policy] = {}


def carried_out_by(name: str) -> Callable[[Policy], Policy]:
    """Register the function that carries out update policy `name`."""

    def register(fn: Policy) -> Policy:
        _POLICIES[name] = fn
        return fn

    return register


def carry_out(name: str, resource_type: str, **kwargs: Any) -> Any:
    """Run update policy `name` for a resource of `resource_type`; unknown ones are refused."""
    if name not in _POLICIES:
        raise UnsupportedProperty(resource_type, f"UpdatePolicy.{name}", "not supported here")
    return _POLICIES[name](**kwargs)
