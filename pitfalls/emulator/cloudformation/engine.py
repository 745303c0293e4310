"""How a stack operation walks its resources: once each, in dependency order, with events.

moto's ResourceMap creates resources lazily as references are resolved and retries failed updates
and deletes in loops, so an error can vanish and a stack can report success with resources
missing. These functions replace those loops (see `patches.py` for where they are installed); the
resolution of intrinsic functions, parameters, conditions and outputs stays moto's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Event, Stack, cloudformation_backends
from moto.cloudformation.parsing import (
    ResourceMap,
    parse_and_create_resource,
    parse_and_update_resource,
)

from pitfalls.emulator.cloudformation.errors import ResourceFailure, UnsupportedProperty, reason_of
from pitfalls.emulator.cloudformation.resource import Resource

PSEUDO = re.compile(r"^AWS::")
SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


# --- dependencies ---------------------------------------------------------------------------------

def references(value: Any) -> set[str]:
    """Logical ids a value refers to through Ref, Fn::GetAtt and Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                target = arg[0] if isinstance(arg, list) else str(arg).split(".")[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                text, local = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
                for var in SUB_VAR.findall(str(text)):
                    name = var.split(".")[0]
                    if name not in local:
                        found.add(name)
                found |= references(local)
            else:
                found |= references(arg)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return {r for r in found if not PSEUDO.match(r)}


def dependencies(resources: dict[str, Any]) -> dict[str, set[str]]:
    deps: dict[str, set[str]] = {}
    for name, body in resources.items():
        explicit = body.get("DependsOn", [])
        explicit = [explicit] if isinstance(explicit, str) else list(explicit)
        # Refs in UpdatePolicy count too (an alias under CodeDeploy waits for its group).
        refs = (references(body.get("Properties", {})) | references(body.get("UpdatePolicy", {}))
                | set(explicit))
        deps[name] = {r for r in refs if r in resources and r != name}
    return deps


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Resources so that each comes after everything it refers to; template order breaks ties."""
    deps = dependencies(resources)
    order: list[str] = []
    done: set[str] = set()
    remaining = list(resources)
    while remaining:
        ready = [n for n in remaining if deps[n] <= done]
        if not ready:
            raise ValidationError(
                message=f"Circular dependency between resources: {sorted(remaining)}"
            )
        for n in ready:
            order.append(n)
            done.add(n)
        remaining = [n for n in remaining if n not in done]
    return order


# --- events ---------------------------------------------------------------------------------------

def stack_of(rmap: ResourceMap) -> Stack | None:
    backend = cloudformation_backends[rmap._account_id][rmap._region_name]
    return backend.stacks.get(rmap.stack_id) or backend.deleted_stacks.get(rmap.stack_id)


def _stamp(stack: Stack) -> None:
    """Strictly increasing event times (1 ms apart), so clients sort events as they happened."""
    from datetime import timedelta

    if len(stack.events) > 1:
        last, new = stack.events[-2], stack.events[-1]
        if new.timestamp < last.timestamp + timedelta(milliseconds=1):
            new.timestamp = last.timestamp + timedelta(milliseconds=1)


def resource_event(
    rmap: ResourceMap, logical_id: str, rtype: str, physical_id: str, status: str,
    reason: str | None = None,
) -> None:
    stack = stack_of(rmap)
    if stack is None:
        return
    stack.events.append(Event(
        stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
        physical_resource_id=physical_id, resource_type=rtype, resource_status=status,
        resource_status_reason=reason, resource_properties=None,
    ))
    _stamp(stack)


def stack_event(stack: Stack, status: str, reason: str | None = None) -> None:
    stack._add_stack_event(status, resource_status_reason=reason)
    _stamp(stack)


# --- the walk -------------------------------------------------------------------------------------

def _created(rmap: ResourceMap, name: str) -> Resource | None:
    obj = rmap._parsed_resources.get(name)
    return obj if isinstance(obj, Resource) else None


def _wanted(rmap: ResourceMap, body: dict[str, Any]) -> bool:
    cond = body.get("Condition")
    return not cond or bool(rmap.lazy_condition_map[cond])


def _fail(rmap: ResourceMap, name: str, rtype: str, status: str, exc: BaseException,
          physical: str = "") -> ResourceFailure:
    reason = reason_of(exc)
    resource_event(rmap, name, rtype, physical, status, reason)
    return ResourceFailure(name, rtype, status, reason)


def _create_one(rmap: ResourceMap, name: str, body: dict[str, Any]) -> None:
    rtype = body["Type"]
    resource_event(rmap, name, rtype, "", "CREATE_IN_PROGRESS")
    try:
        obj = parse_and_create_resource(name, body, rmap, rmap._account_id, rmap._region_name)
    except Exception as exc:
        raise _fail(rmap, name, rtype, "CREATE_FAILED", exc) from exc
    if obj is None:  # no model returned an object: never report that as created
        raise _fail(rmap, name, rtype, "CREATE_FAILED",
                    UnsupportedProperty(rtype, "(whole resource)", "nothing was created"))
    rmap._parsed_resources[name] = obj
    resource_event(rmap, name, rtype, obj.physical_resource_id, "CREATE_COMPLETE")


def _update_one(rmap: ResourceMap, name: str, body: dict[str, Any]) -> Resource:
    """Update in place or replace; returns the object now standing for `name`."""
    rtype = body["Type"]
    old = _created(rmap, name)
    assert old is not None
    new: Resource | None
    if old.TYPE != rtype:  # a type change is a replacement in CloudFormation too
        resource_event(rmap, name, rtype, "", "CREATE_IN_PROGRESS")
        try:
            new = parse_and_create_resource(name, body, rmap, rmap._account_id,
                                            rmap._region_name)
        except Exception as exc:
            raise _fail(rmap, name, rtype, "CREATE_FAILED", exc) from exc
        if new is not None:
            new.replaces = old
    else:
        resource_event(rmap, name, rtype, old.physical_resource_id, "UPDATE_IN_PROGRESS")
        try:
            new = parse_and_update_resource(name, body, rmap, rmap._account_id,
                                            rmap._region_name)
        except Exception as exc:
            raise _fail(rmap, name, rtype, "UPDATE_FAILED", exc, old.physical_resource_id) \
                from exc
    if new is None:
        raise _fail(rmap, name, rtype, "UPDATE_FAILED",
                    UnsupportedProperty(rtype, "(whole resource)", "nothing was updated"))
    rmap._parsed_resources[name] = new
    if new is not old:
        rmap._pp_replaced.append((name, old, new))
        resource_event(rmap, name, rtype, new.physical_resource_id, "UPDATE_IN_PROGRESS",
                       "Requested update requires the creation of a new physical resource; "
                       "hence creating one.")
    resource_event(rmap, name, rtype, new.physical_resource_id, "UPDATE_COMPLETE")
    return new


def _delete_one(rmap: ResourceMap, name: str, obj: Resource, policy: str | None,
                raise_on_failure: bool = True) -> bool:
    """Delete one resource (or skip it under Retain); False when it failed and we go on."""
    rtype = obj.TYPE
    if policy in ("Retain", "RetainExceptOnCreate"):
        resource_event(rmap, name, rtype, obj.physical_resource_id, "DELETE_SKIPPED")
        return True
    resource_event(rmap, name, rtype, obj.physical_resource_id, "DELETE_IN_PROGRESS")
    try:
        obj.destroy()
    except Exception as exc:
        failure = _fail(rmap, name, rtype, "DELETE_FAILED", exc, obj.physical_resource_id)
        if raise_on_failure:
            raise failure from exc
        return False
    resource_event(rmap, name, rtype, obj.physical_resource_id, "DELETE_COMPLETE")
    return True


def evaluate_rules(rmap: ResourceMap, template: dict[str, Any]) -> None:
    """Template Rules (the CDK's bootstrap version check): a failed assertion stops the deploy."""
    from moto.cloudformation.parsing import clean_json

    def value(expr: Any) -> Any:
        if isinstance(expr, dict) and len(expr) == 1:
            (fn, arg), = expr.items()
            if fn == "Fn::Not":
                return not value(arg[0])
            if fn == "Fn::And":
                return all(value(a) for a in arg)
            if fn == "Fn::Or":
                return any(value(a) for a in arg)
            if fn == "Fn::Equals":
                return str(value(arg[0])) == str(value(arg[1]))
            if fn == "Fn::Contains":
                return str(value(arg[1])) in [str(v) for v in value(arg[0])]
            if fn == "Ref" or fn in ("Fn::Join", "Fn::Sub", "Fn::Select", "Fn::Split"):
                return clean_json(expr, rmap)
            raise UnsupportedProperty("Rules", fn, "rule function")
        if isinstance(expr, list):
            return [value(v) for v in expr]
        return expr

    for rule_name, rule in (template.get("Rules") or {}).items():
        if "RuleCondition" in rule and not value(rule["RuleCondition"]):
            continue
        for assertion in rule.get("Assertions", []):
            if not value(assertion["Assert"]):
                raise ValidationError(
                    message=assertion.get("AssertDescription") or f"Rule {rule_name} failed"
                )


def apply_template(
    rmap: ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None = None
) -> None:
    """Bring the stack's resources to `template`: create and update in dependency order, then
    delete what the template no longer has (and what updates replaced), in reverse order."""
    if not hasattr(rmap, "_pp_replaced"):
        rmap._pp_replaced = []  # type: ignore[attr-defined]
    old_resources: dict[str, Any] = dict(rmap._resource_json_map)
    diff = rmap.build_resource_diff(template, parameters)
    rmap._template = template
    if parameters is not None:
        rmap.input_parameters = parameters
    rmap._resource_json_map = template.get("Resources") or {}
    rmap.load_mapping()
    rmap.load_parameters()
    rmap.load_conditions()
    evaluate_rules(rmap, template)
    rmap.validate_outputs()

    new_resources = rmap._resource_json_map
    all_deps = dependencies(new_resources)
    touched: set[str] = set()  # replaced resources: what refers to them must be updated too
    for name in dependency_order(new_resources):
        body = new_resources[name]
        deps = all_deps[name]
        if not _wanted(rmap, body):
            continue
        if _created(rmap, name) is None:
            _create_one(rmap, name, body)
        elif name in diff["Modify"] or deps & touched or old_resources.get(name) != body:
            before = _created(rmap, name)
            assert before is not None
            now = _update_one(rmap, name, body)
            if now is not before or now.physical_resource_id != before.physical_resource_id:
                touched.add(name)

    cleanup(rmap, old_resources, new_resources)


def cleanup(rmap: ResourceMap, old_resources: dict[str, Any],
            new_resources: dict[str, Any]) -> None:
    """The cleanup phase of an update: removed resources, then the ones replaced by updates.

    As in CloudFormation, a failure here does not fail the update; it leaves a DELETE_FAILED event.
    """
    gone = [n for n in reversed(dependency_order(old_resources))
            if _created(rmap, n) is not None
            and (n not in new_resources or not _wanted(rmap, new_resources[n]))]
    stack = stack_of(rmap)
    replaced = list(rmap._pp_replaced)  # type: ignore[attr-defined]
    if (gone or replaced) and stack is not None and stack.status == "UPDATE_IN_PROGRESS":
        stack_event(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    for name in gone:
        obj = _created(rmap, name)
        assert obj is not None
        if _delete_one(rmap, name, obj, old_resources[name].get("DeletionPolicy"),
                       raise_on_failure=False):
            rmap._parsed_resources.pop(name, None)
    for name, old, _new in reversed(replaced):
        policy = (old_resources.get(name) or {}).get("UpdateReplacePolicy")
        _delete_one(rmap, name, old, policy, raise_on_failure=False)
    rmap._pp_replaced = []  # type: ignore[attr-defined]


def delete_all(rmap: ResourceMap, on_create_rollback: bool = False) -> None:
    """Delete every created resource in reverse dependency order; each once, no retry loop.

    Retain keeps a resource; RetainExceptOnCreate keeps it unless a failed create is rolled back.
    """
    resources = rmap._resource_json_map
    failures: list[ResourceFailure] = []
    for name in reversed(dependency_order(resources)):
        obj = _created(rmap, name)
        if obj is None:
            continue
        policy = resources[name].get("DeletionPolicy")
        if policy == "RetainExceptOnCreate":
            policy = None if on_create_rollback else "Retain"
        try:
            _delete_one(rmap, name, obj, policy)
        except ResourceFailure as failure:
            failures.append(failure)
            continue
        rmap._parsed_resources.pop(name, None)
    if failures:
        raise failures[0]


def restore_replaced(rmap: ResourceMap) -> None:
    """Rolling back an update: resources replaced by it go back to their previous objects."""
    for name, old, new in reversed(list(rmap._pp_replaced)):  # type: ignore[attr-defined]
        rmap._parsed_resources[name] = old
        _delete_one(rmap, name, new, None, raise_on_failure=False)
    rmap._pp_replaced = []  # type: ignore[attr-defined]


def created_resources(rmap: ResourceMap) -> Iterable[Resource]:
    for name in rmap._resource_json_map:
        obj = _created(rmap, name)
        if obj is not None:
            yield obj


# --- a whole stack operation ----------------------------------------------------------------------

def run_operation(
    stack: Stack,
    kind: str,
    template: dict[str, Any],
    parameters: dict[str, Any] | None,
    *,
    disable_rollback: bool = False,
    announce: bool = True,
    template_text: str | None = None,
) -> bool:
    """Create or update `stack` to `template`; on failure roll back (or stop, when rollback is
    disabled) and leave the stack in the state CloudFormation would. True when it succeeded."""
    from moto.cloudformation.parsing import OutputMap

    rmap = stack.resource_map
    old_text, old_dict = stack.template, stack.template_dict
    old_params = dict(rmap.input_parameters or {})
    stack.status = f"{kind}_IN_PROGRESS"
    if announce:
        stack_event(stack, f"{kind}_IN_PROGRESS", "User Initiated")
    try:
        apply_template(rmap, template, parameters)
    except Exception as exc:
        failure = exc if isinstance(exc, ResourceFailure) else None
        reason = (f"The following resource(s) failed to {kind.lower()}: [{failure.logical_id}]."
                  if failure else reason_of(exc))
        stack.output_map = OutputMap(rmap, {}, stack.stack_id)  # no outputs for a failed stack
        if disable_rollback:
            stack.status = f"{kind}_FAILED"
            stack_event(stack, stack.status, reason)
            stack.template = template_text if template_text is not None else stack.template
            stack.template_dict = template
            return False
        if kind == "CREATE":
            stack.status = "ROLLBACK_IN_PROGRESS"
            stack_event(stack, "ROLLBACK_IN_PROGRESS", f"{reason} Rollback requested by user.")
            try:
                delete_all(rmap, on_create_rollback=True)
                stack.status = "ROLLBACK_COMPLETE"
            except Exception:
                stack.status = "ROLLBACK_FAILED"
            stack_event(stack, stack.status)
            stack.template = template_text if template_text is not None else stack.template
            stack.template_dict = template
            return False
        stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
        stack_event(stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
        try:
            restore_replaced(rmap)
            apply_template(rmap, old_dict, old_params)
            stack.status = "UPDATE_ROLLBACK_COMPLETE"
            stack.output_map = stack._create_output_map()
        except Exception:
            stack.status = "UPDATE_ROLLBACK_FAILED"
        stack_event(stack, stack.status)
        stack.template, stack.template_dict = old_text, old_dict
        return False
    if template_text is not None:
        stack.template = template_text
    stack.template_dict = template
    stack.description = template.get("Description")
    stack.output_map = stack._create_output_map()
    if parameters is not None:
        stack.parameters = parameters
    stack.status = f"{kind}_COMPLETE"
    stack_event(stack, stack.status)
    return True
