"""CloudFormation's parameter constraints, checked as CloudFormation checks them: when a stack or
change set is created or updated, before any resource is touched, with a ValidationError that
names the parameter (moto accepts any value). Three patches of moto's backend, one per call.

AllowedPattern (the whole value must match), AllowedValues, MinLength/MaxLength for String and
each item of a CommaDelimitedList; MinValue/MaxValue for Number and List<Number>. A
ConstraintDescription, when the template has one, replaces the default explanation.
"""

from __future__ import annotations

import re
from typing import Any

from moto.cloudformation.models import CloudFormationBackend, Stack

from pitfalls.emulator.cloudformation.errors import EmulatorFailure
from pitfalls.emulator.moto_patch import replaces


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


_create_stack = CloudFormationBackend.create_stack
_create_change_set = CloudFormationBackend.create_change_set
_update_stack = CloudFormationBackend.update_stack


def _check(kwargs: dict[str, Any]) -> None:
    template = kwargs.get("template")
    if isinstance(template, str) and template.strip():
        validate(Stack.parse_template(template), _given(kwargs.get("parameters")))


@replaces("moto.cloudformation.models:CloudFormationBackend.create_stack",
          "dcb835c34772ed6c3a2785c44571cba7bea8a9edaf80bd4533428b093c3351a6")
def create_stack(self: Any, *args: Any, **kwargs: Any) -> Any:
    """CreateStack checks its parameters against AllowedPattern, AllowedValues, lengths and
    values before anything is created, as CloudFormation does (moto accepts any value)."""
    _check(kwargs)
    return _create_stack(self, *args, **kwargs)


@replaces("moto.cloudformation.models:CloudFormationBackend.create_change_set",
          "4668670ac84b203d05ecdaf6f864b93263fad1faa040137225a3d38a9b3ae7d1")
def create_change_set(self: Any, *args: Any, **kwargs: Any) -> Any:
    """CreateChangeSet checks its parameters as CreateStack does."""
    _check(kwargs)
    return _create_change_set(self, *args, **kwargs)


@replaces("moto.cloudformation.models:CloudFormationBackend.update_stack",
          "83a62d954ef05565636c254a1fa1910fa7124479cbbf974b4c2a6ebf433cc63b")
def update_stack(self: Any, *args: Any, **kwargs: Any) -> Any:
    """UpdateStack checks its parameters as CreateStack does."""
    _check(kwargs)
    return _update_stack(self, *args, **kwargs)
