"""CloudFormation's parameter constraints, checked as CloudFormation checks them: when a stack or
change set is created or updated, before any resource is touched, with a ValidationError that
names the parameter (moto accepts any value).

AllowedPattern (the whole value must match), AllowedValues, MinLength/MaxLength for String and
each item of a CommaDelimitedList; MinValue/MaxValue for Number and List<Number>. A
ConstraintDescription, when the template has one, replaces the default explanation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pitfalls.emulator.errors import EmulatorFailure


class ParameterError(EmulatorFailure):
    pass


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def problem(name: str, spec: dict[str, Any], value: str) -> str:
    """CloudFormation's message for `value` of parameter `name` declared as `spec`; "" when valid."""
    kind = str(spec.get("Type", "String"))
    items = value.split(",") if kind == "CommaDelimitedList" or kind.startswith("List<") else [value]
    numeric = kind in ("Number", "List<Number>")
    for item in items:
        why = ""
        if numeric:
            n = _number(item)
            if n is None:
                return f"Parameter '{name}' must be a number."
            if "MinValue" in spec and n < float(spec["MinValue"]):
                why = f"must be a number not less than {spec['MinValue']}"
            elif "MaxValue" in spec and n > float(spec["MaxValue"]):
                why = f"must be a number not greater than {spec['MaxValue']}"
        if not why and "AllowedValues" in spec and item not in [str(v) for v in spec["AllowedValues"]]:
            why = "must be one of AllowedValues"
        elif not why and not numeric:
            if "MinLength" in spec and len(item) < int(spec["MinLength"]):
                why = f"must contain at least {spec['MinLength']} characters"
            elif "MaxLength" in spec and len(item) > int(spec["MaxLength"]):
                why = f"must contain at most {spec['MaxLength']} characters"
            elif "AllowedPattern" in spec and not re.fullmatch(str(spec["AllowedPattern"]), item):
                why = f"must match pattern {spec['AllowedPattern']}"
        if why:
            if spec.get("ConstraintDescription"):
                return f"Parameter '{name}' failed to satisfy constraint: {spec['ConstraintDescription']}"
            return f"Parameter '{name}' {why}"
    return ""


def validate(template: dict[str, Any], given: dict[str, Any]) -> None:
    """Raise ParameterError for the first parameter whose value (given, else its Default) breaks
    its constraints. SSM parameter types are left alone: their value is a parameter's name."""
    for name, spec in (template.get("Parameters") or {}).items():
        if not isinstance(spec, dict) or str(spec.get("Type", "")).startswith("AWS::SSM::"):
            continue
        value = given.get(name, spec.get("Default"))
        if value is None:
            continue
        message = problem(name, spec, ",".join(map(str, value)) if isinstance(value, list) else str(value))
        if message:
            raise ParameterError(message)


def _given(parameters: Any) -> dict[str, Any]:
    """Parameters as the backend gets them: a dict, or UpdateStack's list of ParameterKey/Value."""
    if isinstance(parameters, dict):
        return parameters
    return {p["ParameterKey"]: p["ParameterValue"] for p in parameters or []
            if isinstance(p, dict) and "ParameterValue" in p}


def replacements() -> dict[str, Any]:
    """CreateStack, CreateChangeSet and UpdateStack check the parameters, then do what moto does."""
    from moto.cloudformation.models import CloudFormationBackend, Stack

    def checked(original: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            template = kwargs.get("template")
            if isinstance(template, str) and template.strip():
                validate(Stack.parse_template(template), _given(kwargs.get("parameters")))
            return original(self, *args, **kwargs)

        run.__name__ = original.__name__
        return run

    return {
        f"moto.cloudformation.models:CloudFormationBackend.{name}":
            checked(getattr(CloudFormationBackend, name))
        for name in ("create_stack", "create_change_set", "update_stack")
    }
