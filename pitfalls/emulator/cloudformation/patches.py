"""Patches of moto's CloudFormation: stack operations go through our engine (`engine.py`).

Each function replaces one moto function, named in its `@replaces`, with the source hash of what
it replaces in moto 5.2.5; its docstring says why. The engine's logic lives in `engine.py`; these
functions only wire it into moto's models and responses.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.core.responses import EmptyResult

from pitfalls.emulator.cloudformation import engine
from pitfalls.emulator.cloudformation.errors import (
    ChangeSetNotFound,
    ResourceFailure,
    UnsupportedType,
    reason_of,
)
from pitfalls.emulator.cloudformation.resource import REGISTRY
from pitfalls.emulator.moto_patch import replaces

# --- templates and resource maps ------------------------------------------------------------------


@replaces("moto.cloudformation.parsing:resource_class_from_type",
          "ca766bc34c1950ae5a933707db84b22dda9d222e05a9129b6afced5ba52f041d")
def resource_class_from_type(resource_type: str) -> type:
    """Strict: an unsupported type fails the resource instead of being skipped with a warning.

    moto returns None for types it lacks (and skips the resource); Custom:: would need a Lambda
    runtime.
    """
    cls = REGISTRY.get(resource_type)
    if cls is None:
        raise UnsupportedType(resource_type)
    return cls


@replaces("moto.cloudformation.parsing:ResourceMap.__getitem__",
          "bfa3c026d08de5207c073452db9ff5f1e8f781e3cfab9bc82f558b14523e4171")
def getitem(self: parsing.ResourceMap, key: str) -> Any:
    """No lazy creation: a resource is created once, by the engine, in dependency order.

    moto creates a missing resource on first reference, so a resource could come to life out of
    order, or while a stack is listed.
    """
    if key in self._parsed_resources:
        return self._parsed_resources[key]
    body = self._resource_json_map.get(key)
    if body is None:
        raise KeyError(key)
    cond = body.get("Condition")
    if cond and not self.lazy_condition_map[cond]:
        return None
    raise ValidationError(message=f"Template error: resource {key} is referenced but does "
                                  "not exist (not created yet, or its creation failed)")


@replaces("moto.cloudformation.parsing:ResourceMap.create",
          "0163ac783f5c8635919ee45c9e790c604d1599a501074d698d8deb475e0b076e")
def create(self: parsing.ResourceMap, template: dict[str, Any]) -> bool:
    """CreateStack walks resources through the engine (events, no silent skips)."""
    engine.apply_template(self, template, self.input_parameters)
    return True


@replaces("moto.cloudformation.parsing:ResourceMap.update",
          "e34b0c357f3c8e357e4e9446843985fd88c0dc52e828d17ef3e08e14dfb88c8a")
def update(self: parsing.ResourceMap, template: dict[str, Any],
           parameters: dict[str, Any] | None = None) -> None:
    """One pass in dependency order, no retry loop that turns errors into success.

    moto retries failed updates up to 5 times in a loop and deletes removed resources before
    creating new ones.
    """
    engine.apply_template(self, template, parameters)


@replaces("moto.cloudformation.parsing:ResourceMap.delete",
          "4faca03385e54f6320acceeb2a3edfb44956cf30dd1a20cce8b31b75be8ca72e")
def delete(self: parsing.ResourceMap) -> None:
    """Reverse dependency order, each resource once, Retain honoured, failures reported.

    moto loops over all resources until the count stops going down, swallowing errors in between.
    """
    engine.delete_all(self)


# --- stacks -----------------------------------------------------------------------------------


@replaces("moto.cloudformation.models:Stack.stack_resources",
          "48081724e7f64b7e8f568aa9afeb71640ffe50c29d56d83c2f74d920a757dbf9", as_property=True)
def stack_resources(self: Stack) -> list[Any]:
    """Only resources that exist (the original creates missing ones while listing)."""
    return list(engine.created_resources(self.resource_map))


@replaces("moto.cloudformation.models:Stack.stack_parameters",
          "c1a7bd236ef4680b9e83a9619e55230dc19513d4b88ed41a93172b9fa95f889b", as_property=True)
def stack_parameters(self: Stack) -> dict[str, Any]:
    """UsePreviousValue must reuse the value given (an SSM parameter's name), not the value it
    resolved to."""
    rmap = self.resource_map
    declared = (rmap._template or {}).get("Parameters") or {}
    given = rmap.input_parameters or {}
    return {k: given.get(k, spec.get("Default")) for k, spec in declared.items()}


@replaces("moto.cloudformation.models:Stack.parameter_list",
          "89f3a7760b8cfb559ee1c7c7d206015570911d8a284a8ba7c7a3d9d28764cf05", as_property=True)
def parameter_list(self: Stack) -> list[dict[str, Any]]:
    """DescribeStacks shows parameters as given (a list parameter as 'a,b', not Python's
    ['a', 'b'], which the CDK CLI passed back on the next bootstrap), plus ResolvedValue."""
    rmap = self.resource_map
    declared = (rmap._template or {}).get("Parameters") or {}
    hidden = set(getattr(rmap, "no_echo_parameter_keys", []))
    out = []
    for key, value in stack_parameters(self).items():
        if value is None:
            continue
        entry = {"ParameterKey": key, "ParameterValue": "****" if key in hidden else value}
        if str(declared[key].get("Type", "")).startswith("AWS::SSM::Parameter::"):
            resolved = rmap.resolved_parameters.get(key)
            entry["ResolvedValue"] = ",".join(resolved) if isinstance(resolved, list) \
                else resolved
        out.append(entry)
    return out


@replaces("moto.cloudformation.models:Stack.create_resources",
          "a5f30450448a1d58ba3ffe05b0a545b8efa86633b47cfb0c8c4a2b269d447655")
def create_resources(self: Stack) -> None:
    """A failed CreateStack rolls back to ROLLBACK_COMPLETE instead of raising an HTTP 500."""
    engine.run_operation(self, "CREATE", self.template_dict, self.resource_map.input_parameters,
                         announce=False)


@replaces("moto.cloudformation.models:Stack.update",
          "fd488c7f43d4b5c8e6d85a255eb1e67a17859a57ffd053cecb44e9893280ce12")
def stack_update(self: Stack, template: str, role_arn: str | None = None,
                 parameters: dict[str, Any] | None = None,
                 tags: dict[str, str] | None = None) -> None:
    """A failed UpdateStack rolls back instead of raising an HTTP 500."""
    if engine.run_operation(self, "UPDATE", Stack.parse_template(template), parameters,
                            template_text=template):
        self.role_arn = role_arn
        if parameters:
            self.parameters = parameters
        if tags is not None:
            self.tags = tags


# --- change sets and deletion -----------------------------------------------------------------


def _find_change_set(backend: CloudFormationBackend, name: str,
                     stack_name: str | None = None) -> Any:
    """A change set by id, or by name (within `stack_name` when given); None if there is none."""
    found = backend.change_sets.get(name)
    for cs in backend.change_sets.values():
        if cs.change_set_name == name and stack_name in (None, cs.stack_name, cs.stack_id):
            found = cs
    return found


@replaces("moto.cloudformation.models:CloudFormationBackend.execute_change_set",
          "1090cb5b81abc8ff0422a9c1df9b0ea09192550345fbc198b448e9e9a148a050")
def execute_change_set(self: CloudFormationBackend, change_set_name: str,
                       stack_name: str | None = None, disable_rollback: bool = False) -> None:
    """Failures become stack states (*_FAILED / ROLLBACK_*), a change set runs at most once,
    outputs and exports follow the new template.

    moto marks the stack complete whatever happened, and a retried request (after a 500) found
    "nothing to do" and reported success.
    """
    change_set = self.change_sets.get(change_set_name) or _find_change_set(
        self, change_set_name, stack_name)
    if change_set is None:
        raise ChangeSetNotFound(change_set_name)
    if change_set.execution_status != "AVAILABLE":
        raise ValidationError(
            message=f"ChangeSet [{change_set.change_set_id}] cannot be executed in its "
                    f"current execution status of [{change_set.execution_status}]")
    stack = self.stacks[change_set.stack_id]
    # moto gives a stack made by a change set no view of the exports (Fn::ImportValue)
    stack.cross_stack_resources = stack.resource_map.cross_stack_resources = self.exports
    change_set.execution_status = "EXECUTE_IN_PROGRESS"
    ok = engine.run_operation(stack, change_set.change_set_type, change_set.template_dict,
                              change_set.parameters, disable_rollback=disable_rollback,
                              template_text=change_set.template)
    change_set.execution_status = "EXECUTE_COMPLETE" if ok else "EXECUTE_FAILED"
    # As in CloudFormation, executing a change set removes the stack's change sets.
    for cs_id in [i for i, cs in self.change_sets.items() if cs.stack_id == stack.stack_id]:
        self.change_sets.pop(cs_id)
    if ok:
        if change_set.tags:
            stack.tags = change_set.tags
        for name in [n for n, e in self.exports.items()
                     if e.exporting_stack_id == stack.stack_id]:
            self.exports.pop(name)
        self._validate_export_uniqueness(stack)
        for export in stack.exports:
            self.exports[export.name] = export


@replaces("moto.cloudformation.models:CloudFormationBackend.describe_change_set",
          "dbfe8be95a82d51a228a549013162288787da7714a3cf2bdb43f667ffa312bc3")
def describe_change_set(self: CloudFormationBackend, change_set_name: str) -> Any:
    """A missing change set is ChangeSetNotFound, which the CDK CLI waits for after deleting
    one (moto said 'Stack with id ... does not exist')."""
    found = _find_change_set(self, change_set_name)
    if found is None:
        raise ChangeSetNotFound(change_set_name)
    return found


@replaces("moto.cloudformation.models:CloudFormationBackend.delete_change_set",
          "9821ad111e7fdce86d567d2036f18fe48861cc9c9efa2de662a6ba93861a612b")
def delete_change_set(self: CloudFormationBackend, change_set_name: str) -> None:
    """Deleting a change set that is gone succeeds (moto answered 500, and the CDK CLI retried
    for 40 s before every update).

    moto crashes (UnboundLocalError) on a name it does not know; the CDK CLI deletes
    "cdk-deploy-change-set" before every deploy.
    """
    for cs_id, cs in list(self.change_sets.items()):
        if change_set_name in (cs_id, cs.change_set_name):
            self.change_sets.pop(cs_id)


@replaces("moto.cloudformation.models:CloudFormationBackend.delete_stack",
          "d0113177c342c2948e77eef028539cf1e70f44ac31c992b79e8796fa3f9d869c")
def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    """A failed delete leaves the stack in DELETE_FAILED instead of losing it.

    moto removes the stack from the list first, so a failing resource delete lost the stack and
    answered 500.
    """
    stack = self.stacks.get(name_or_stack_id) or next(
        (s for s in self.stacks.values() if s.name == name_or_stack_id), None)
    if stack is None:
        return  # deleting a stack that does not exist succeeds, as in CloudFormation
    stack.status = "DELETE_IN_PROGRESS"
    engine.stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")
    try:
        engine.delete_all(stack.resource_map)
    except Exception as exc:
        failed = exc.logical_id if isinstance(exc, ResourceFailure) else "?"
        stack.status = "DELETE_FAILED"
        engine.stack_event(stack, "DELETE_FAILED",
                           f"The following resource(s) failed to delete: [{failed}]. "
                           + ("" if isinstance(exc, ResourceFailure) else reason_of(exc)))
        return
    stack.status = "DELETE_COMPLETE"
    engine.stack_event(stack, "DELETE_COMPLETE")
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        self.exports.pop(name)
    self.stacks.pop(stack.stack_id, None)
    self.deleted_stacks[stack.stack_id] = stack


@replaces("moto.cloudformation.responses:CloudFormationResponse.execute_change_set",
          "1220faf0bd60cf992234cb7669ed090160a5b5f02e1b15473185c7b1f3811eb5")
def execute_change_set_response(self: Any) -> Any:
    """Pass DisableRollback (cdk deploy --no-rollback) to the backend; moto ignores it."""
    self.cloudformation_backend.execute_change_set(
        stack_name=self._get_param("StackName"),
        change_set_name=self._get_param("ChangeSetName"),
        disable_rollback=self._get_bool_param("DisableRollback", False),
    )
    return EmptyResult()
