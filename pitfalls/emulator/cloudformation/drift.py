"""Drift detection: CloudFormation's DetectStackDrift and its companions, answered here.

A resource has drifted when what its service reports differs from what CloudFormation last
deployed: the template's properties, resolved with the stack's parameters
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html). As in
CloudFormation, only the properties the template sets are compared, never the write-only ones a
service does not report back (the resource schema's `writeOnlyProperties`, each model's
`WRITE_ONLY`; the API calls them WRITE_ONLY_PROPERTY), and arrays element by element (ADD,
REMOVE, NOT_EQUAL: API_PropertyDifference). A resource that is gone is DELETED; a type whose model
cannot read its resource back (`Resource.actual`) is NOT_CHECKED, as CloudFormation reports types
without drift support. Detection runs to the end inside DetectStackDrift: its status is
DETECTION_COMPLETE when the call returns.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack, cloudformation_backends
from moto.core.responses import ActionResult

from pitfalls.emulator.cloudformation import engine
from pitfalls.emulator.cloudformation.resource import Resource
from pitfalls.emulator.moto_patch import adds

# Stacks CloudFormation checks for drift: settled ones (an operation in progress is refused).
SETTLED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE",
           "UPDATE_ROLLBACK_FAILED", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"}


@dataclass
class Detection:
    """One DetectStackDrift: its status and the drift of each resource it checked."""

    id: str
    stack_id: str
    time: datetime
    resources: list[dict[str, Any]] = field(default_factory=list)

    @property
    def drifted(self) -> int:
        return sum(r["StackResourceDriftStatus"] in ("MODIFIED", "DELETED")
                   for r in self.resources)

    def status(self) -> dict[str, Any]:
        checked = [r for r in self.resources if r["StackResourceDriftStatus"] != "NOT_CHECKED"]
        stack = ("DRIFTED" if self.drifted else "IN_SYNC") if checked else "NOT_CHECKED"
        return {"StackId": self.stack_id, "StackDriftDetectionId": self.id,
                "StackDriftStatus": stack, "DetectionStatus": "DETECTION_COMPLETE",
                "DriftedStackResourceCount": self.drifted, "Timestamp": self.time}


def _detections(backend: CloudFormationBackend) -> dict[str, Detection]:
    if not hasattr(backend, "pitfalls_drift"):
        backend.pitfalls_drift = {}  # type: ignore[attr-defined]
    return backend.pitfalls_drift  # type: ignore[attr-defined]


# --- comparing ------------------------------------------------------------------------------------

def canonical(value: Any) -> Any:
    """A value as CloudFormation compares it: JSON text as data, numbers and booleans as text."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "{[":
            try:
                return canonical(json.loads(text))
            except ValueError:
                return value
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _difference(path: str, expected: Any, actual: Any, kind: str) -> dict[str, Any]:
    return {"PropertyPath": path, "ExpectedValue": "" if expected is None else _text(expected),
            "ActualValue": "" if actual is None else _text(actual), "DifferenceType": kind}


IDENTITY = ("Key", "Name", "PolicyName", "FunctionVersion", "Id")  # what names a list member


def _identity(item: Any) -> tuple[str, Any] | None:
    if isinstance(item, dict):
        for key in IDENTITY:
            if key in item:
                return key, item[key]
    return None


def differences(expected: Any, actual: Any, path: str = "") -> list[dict[str, Any]]:
    """Where `actual` differs from `expected`, with CloudFormation's property paths
    (`/Environment/Variables/APP_STAGE`, `/Tags/0`). List members are matched by value, then by
    what names them (a tag's Key, a dimension's Name), whatever their order: a member the
    service added is ADD, one it lost REMOVE, a named one changed NOT_EQUAL inside."""
    e, a = canonical(expected), canonical(actual)
    if isinstance(e, dict) and isinstance(a, dict):
        out = []
        for key in e:
            if key not in a:
                out.append(_difference(f"{path}/{key}", e[key], None, "REMOVE"))
            else:
                out += differences(e[key], a[key], f"{path}/{key}")
        return out
    if isinstance(e, list) and isinstance(a, list):
        left = dict(enumerate(a))
        out = []
        for i, item in enumerate(e):
            same = next((j for j, other in left.items() if other == item), None)
            if same is None and _identity(item) is not None:
                same = next((j for j, other in left.items()
                             if _identity(other) == _identity(item)), None)
            if same is None:
                out.append(_difference(f"{path}/{i}", item, None, "REMOVE"))
                continue
            out += differences(item, left.pop(same), f"{path}/{i}")
        out += [_difference(f"{path}/{j}", None, other, "ADD") for j, other in left.items()]
        return out
    return [] if e == a else [_difference(path or "/", e, a, "NOT_EQUAL")]


def without_write_only(props: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """`props` less the write-only paths (`Code/S3Key`, `Rules/*/Transition`), and less the
    objects that emptied."""
    def drop(value: Any, parts: list[str]) -> Any:
        if not parts:
            return None
        head, rest = parts[0], parts[1:]
        if isinstance(value, list) and head == "*":
            return [v for v in (drop(x, rest) for x in value) if v not in (None, {})]
        if isinstance(value, dict) and head in value:
            kept = {k: v for k, v in value.items() if k != head}
            if rest:
                inner = drop(value[head], rest)
                if inner not in (None, {}):
                    kept[head] = inner
            return kept
        return value

    out: Any = json.loads(json.dumps(props))
    for path in paths:
        out = drop(out, path.split("/"))
    return out if isinstance(out, dict) else {}


def resource_drift(stack: Stack, res: Resource, when: datetime) -> dict[str, Any]:
    """One StackResourceDrift (API_StackResourceDrift) for a resource of the stack."""
    entry: dict[str, Any] = {"StackId": stack.stack_id, "LogicalResourceId": res.logical_resource_id,
                             "PhysicalResourceId": res.physical_resource_id,
                             "ResourceType": res.TYPE, "Timestamp": when}
    expected = without_write_only(res.props, res.WRITE_ONLY)
    try:
        actual = res.actual()
    except NotImplementedError:
        return {**entry, "StackResourceDriftStatus": "NOT_CHECKED"}
    entry["ExpectedProperties"] = json.dumps(expected, sort_keys=True)
    if actual is None:
        return {**entry, "StackResourceDriftStatus": "DELETED"}
    actual = without_write_only(actual, res.WRITE_ONLY)
    found = differences({k: v for k, v in expected.items() if k in actual}, actual)
    return {**entry, "ActualProperties": json.dumps(actual, sort_keys=True),
            "PropertyDifferences": found,
            "StackResourceDriftStatus": "MODIFIED" if found else "IN_SYNC"}


def _stack(backend: CloudFormationBackend, name: str) -> Stack:
    for stack in backend.stacks.values():
        if name in (stack.name, stack.stack_id):
            return stack
    raise ValidationError(message=f"Stack with id {name} does not exist")


def _settled(stack: Stack) -> None:
    if stack.status not in SETTLED:
        raise ValidationError(message=f"Drift detection is not supported for stack {stack.name} "
                                      f"in state {stack.status}")


def _checked(stack: Stack, logical_ids: list[str] | None = None) -> list[Resource]:
    found = [r for r in engine.created_resources(stack.resource_map) if isinstance(r, Resource)]
    if logical_ids:
        missing = sorted(set(logical_ids) - {r.logical_resource_id for r in found})
        if missing:
            raise ValidationError(message=f"Resources {missing} do not exist in stack "
                                          f"{stack.name}")
        found = [r for r in found if r.logical_resource_id in logical_ids]
    return sorted(found, key=lambda r: r.logical_resource_id)


def detect(backend: CloudFormationBackend, name: str,
           logical_ids: list[str] | None = None) -> Detection:
    stack = _stack(backend, name)
    _settled(stack)
    when = datetime.now(UTC)
    found = Detection(str(uuid.uuid4()), stack.stack_id, when,
                      [resource_drift(stack, r, when) for r in _checked(stack, logical_ids)])
    _detections(backend)[found.id] = found
    return found


# --- the API (moto has none of it) ----------------------------------------------------------------

def _backend(self: Any) -> CloudFormationBackend:
    return cloudformation_backends[self.current_account][self.region]


def _list(self: Any, name: str) -> list[str]:
    value = self._get_param(name)
    return [str(v) for v in value] if isinstance(value, list) else []


@adds("moto.cloudformation.responses:CloudFormationResponse.detect_stack_drift")
def api_detect_stack_drift(self: Any) -> ActionResult:
    """DetectStackDrift: compare every resource of the stack (or the ones named) with what
    CloudFormation deployed (added)."""
    found = detect(_backend(self), self._get_param("StackName"),
                   _list(self, "LogicalResourceIds") or None)
    return ActionResult({"StackDriftDetectionId": found.id})


@adds("moto.cloudformation.responses:CloudFormationResponse.describe_stack_drift_detection_status")
def api_describe_stack_drift_detection_status(self: Any) -> ActionResult:
    """DescribeStackDriftDetectionStatus: the result of one DetectStackDrift (added)."""
    wanted = self._get_param("StackDriftDetectionId")
    found = _detections(_backend(self)).get(wanted)
    if found is None:
        raise ValidationError(message=f"Drift detection {wanted} does not exist")
    return ActionResult(found.status())


@adds("moto.cloudformation.responses:CloudFormationResponse.describe_stack_resource_drifts")
def api_describe_stack_resource_drifts(self: Any) -> ActionResult:
    """DescribeStackResourceDrifts: each resource of the stack as its latest detection found it,
    filtered by status (added)."""
    backend = _backend(self)
    stack = _stack(backend, self._get_param("StackName"))
    now = {r.logical_resource_id for r in _checked(stack)}  # a resource since removed: not listed
    latest: dict[str, dict[str, Any]] = {}
    for found in sorted(_detections(backend).values(), key=lambda d: d.time):
        if found.stack_id == stack.stack_id:
            latest.update({r["LogicalResourceId"]: r for r in found.resources
                           if r["LogicalResourceId"] in now})
    wanted = set(_list(self, "StackResourceDriftStatusFilters"))
    drifts = [r for _, r in sorted(latest.items())
              if not wanted or r["StackResourceDriftStatus"] in wanted]
    return ActionResult({"StackResourceDrifts": drifts})


@adds("moto.cloudformation.responses:CloudFormationResponse.detect_stack_resource_drift")
def api_detect_stack_resource_drift(self: Any) -> ActionResult:
    """DetectStackResourceDrift: one resource's drift (added)."""
    found = detect(_backend(self), self._get_param("StackName"),
                   [self._get_param("LogicalResourceId")])
    return ActionResult({"StackResourceDrift": found.resources[0]})
