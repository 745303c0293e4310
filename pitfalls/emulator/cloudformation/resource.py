"""The base of our CloudFormation models: moto's CloudFormationModel, made strict and declarative.

A model declares the properties it honours, the GetAtt attributes it answers, which property
changes replace the resource, and implements create / update / destroy against moto's service
backends (the same objects the service APIs read). Anything a template sets that the model does not
declare fails the resource with a message that names it.
"""

from __future__ import annotations

import json
import string
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition

from pitfalls.emulator.cloudformation.errors import (
    InvalidProperty,
    UnsupportedAttribute,
    UnsupportedProperty,
)

# Resource-level keys every model accepts; a model adds others (UpdatePolicy) explicitly.
RESOURCE_KEYS = frozenset(
    {"Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy",
     "Metadata"}
)
POLICIES = frozenset({"Delete", "Retain", "RetainExceptOnCreate"})

REGISTRY: dict[str, type[Resource]] = {}


def register(cls: type[Resource]) -> type[Resource]:
    """Class decorator: make `cls` the model for its TYPE."""
    REGISTRY[cls.TYPE] = cls
    return cls


def stack_name_of(stack_id: str) -> str:
    """`arn:aws:cloudformation:r:a:stack/NAME/uuid` -> NAME."""
    parts = stack_id.split("/")
    return parts[1] if len(parts) > 2 else stack_id


def random_suffix(n: int = 12) -> str:
    chars = string.ascii_uppercase + string.digits
    return "".join(mock_random.choice(chars) for _ in range(n))


def generated_name(stack_name: str, logical_id: str, max_len: int, lower: bool = False) -> str:
    """A physical name the way CloudFormation makes one: stack-logical-RANDOM, within the limit."""
    suffix = random_suffix()
    prefix = f"{stack_name}-{logical_id}"[: max(1, max_len - len(suffix) - 1)].rstrip("-")
    name = f"{prefix}-{suffix}"
    return name.lower() if lower else name


def tags_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in (tags or [])}


def tag_list(tags: Any) -> list[dict[str, str]]:
    """Tags as CloudFormation lists them ({Key, Value}, by key), from a service's dict or list;
    the `aws:` tags a service adds itself are left out, as drift detection leaves them."""
    if isinstance(tags, dict):
        pairs = [(v["Key"], v["Value"]) if isinstance(v, dict) else (k, v) for k, v in tags.items()]
    else:
        pairs = [(t["Key"], t["Value"]) for t in tags or []]
    return [{"Key": k, "Value": v} for k, v in sorted(pairs) if not k.startswith("aws:")]


def as_bool(value: Any) -> bool:
    """CloudFormation accepts true/false and "true"/"false" alike."""
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def as_json_text(value: Any) -> str:
    """A policy document given as an object or as JSON text, as JSON text."""
    return value if isinstance(value, str) else json.dumps(value)


def unresolved(value: Any, path: str = "") -> str | None:
    """The path of an intrinsic function moto could not resolve, if any is left."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" or k.startswith("Fn::"):
                return f"{path or '.'}: {k}"
            found = unresolved(v, f"{path}.{k}" if path else k)
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = unresolved(v, f"{path}[{i}]")
            if found:
                return found
    return None


class Resource(CloudFormationModel):
    """One resource of a stack, created through moto's service backends."""

    TYPE: ClassVar[str] = ""
    NAME_PROPERTY: ClassVar[str] = ""  # the property that names it, if any
    NAME_MAX: ClassVar[int] = 64
    NAME_LOWER: ClassVar[bool] = False
    # SNS and SQS: when this property is true, the name must end in ".fifo" (within NAME_MAX).
    FIFO_PROPERTY: ClassVar[str] = ""
    PROPERTIES: ClassVar[dict[str, str]] = {}  # honoured property -> note ("" = as in AWS)
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    ATTRIBUTES: ClassVar[tuple[str, ...]] = ()
    REPLACE_ON: ClassVar[frozenset[str]] = frozenset()  # changing these replaces the resource
    EXTRA_RESOURCE_KEYS: ClassVar[frozenset[str]] = frozenset()
    REF: ClassVar[str] = "name"  # what Ref returns, for the coverage table
    READ_BACK: ClassVar[str] = ""  # the API call that shows it, for the coverage table
    # Drift detection (`cloudformation/drift.py`) leaves these out: the resource schema's
    # writeOnlyProperties among the ones the model honours, as paths (`Code/S3Key`,
    # `LifecycleConfiguration/Rules/*/Transition`). tests/emulator/test_drift.py keeps them true.
    WRITE_ONLY: ClassVar[tuple[str, ...]] = ()
    # Properties the model's drift read-back (`actual`) does not rebuild, so drift leaves them out.
    DRIFT_UNREAD: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        account_id: str,
        region: str,
        logical_id: str,
        stack_id: str,
        name: str,
        props: dict[str, Any],
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.partition = get_partition(region)
        self.logical_resource_id = logical_id
        self.stack_id = stack_id
        self.name = name
        self.props = props
        self.physical_id = name
        self.cf_resource_type = self.TYPE
        self.replaces: Resource | None = None  # set on a replacement: the one it replaces
        self.resource_json: dict[str, Any] = {}  # the whole (resolved) resource: UpdatePolicy...

    # --- what each model implements -----------------------------------------------------------

    def create(self) -> None:
        raise NotImplementedError

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        """Apply `self.props` in place (old holds the previous ones). Default: nothing in place."""
        if changed:
            raise InvalidProperty(f"{self.TYPE} cannot update {sorted(changed)} in place")

    def destroy(self) -> None:
        """Delete it; a resource that is already gone counts as deleted."""
        raise NotImplementedError

    def attribute(self, name: str) -> Any:
        raise UnsupportedAttribute(self.TYPE, name)

    def actual(self) -> dict[str, Any] | None:
        """What the service reports for the resource now, as CloudFormation properties (drift
        detection compares the ones the template sets); None when the resource is gone. A
        model without it: drift NOT_CHECKED."""
        raise NotImplementedError

    @classmethod
    def check(cls, props: dict[str, Any]) -> None:
        """Model-specific strictness for nested properties (raise UnsupportedProperty)."""

    # --- shared machinery ---------------------------------------------------------------------

    @property
    def arn_prefix(self) -> str:
        return f"arn:{self.partition}"

    @property
    def stack_name(self) -> str:
        return stack_name_of(self.stack_id)

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def validate(cls, resource_json: dict[str, Any]) -> dict[str, Any]:
        """The resource's properties, or a failure naming the first thing we do not honour."""
        for key in resource_json:
            if key not in RESOURCE_KEYS | cls.EXTRA_RESOURCE_KEYS:
                raise UnsupportedProperty(cls.TYPE, key, "resource attribute")
        for key in ("DeletionPolicy", "UpdateReplacePolicy"):
            if key in resource_json and resource_json[key] not in POLICIES:
                raise UnsupportedProperty(cls.TYPE, f"{key}: {resource_json[key]}")
        props = resource_json.get("Properties") or {}
        if not isinstance(props, dict):
            raise InvalidProperty(f"Properties of {cls.TYPE} must be an object")
        for key in props:
            if key not in cls.PROPERTIES:
                raise UnsupportedProperty(cls.TYPE, key)
        missing = [k for k in cls.REQUIRED if k not in props]
        if missing:
            raise InvalidProperty(f"{cls.TYPE} is missing required properties {missing}")
        left = unresolved(props)
        if left:
            raise UnsupportedProperty(cls.TYPE, left, "intrinsic function not resolved")
        cls.check(props)
        return props

    @classmethod
    def _name_for(cls, props: dict[str, Any], stack_id: str, logical_id: str) -> str:
        if cls.NAME_PROPERTY and props.get(cls.NAME_PROPERTY):
            name = str(props[cls.NAME_PROPERTY])
        else:
            name = generated_name(stack_name_of(stack_id), logical_id, cls.NAME_MAX,
                                  cls.NAME_LOWER)
        fifo = cls.FIFO_PROPERTY and as_bool(props.get(cls.FIFO_PROPERTY, False))
        if fifo and not name.endswith(".fifo"):
            name = name[:cls.NAME_MAX - len(".fifo")] + ".fifo"
        return name

    # --- moto's CloudFormationModel interface -------------------------------------------------

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""  # we name resources ourselves (`_name_for`), within each service's limits

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnsupportedAttribute(self.TYPE, attribute_name)
        return self.attribute(attribute_name)

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Resource:
        props = cls.validate(cloudformation_json)
        logical_id = kwargs["LogicalId"]
        stack_id = kwargs["StackId"]
        obj = cls(account_id=account_id, region=region_name, logical_id=logical_id,
                  stack_id=stack_id, name=cls._name_for(props, stack_id, logical_id),
                  props=props)
        obj.resource_json = cloudformation_json
        obj.create()
        return obj

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Resource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Resource:
        props = cls.validate(cloudformation_json)
        old = original_resource
        changed = {k for k in set(old.props) | set(props) if old.props.get(k) != props.get(k)}
        if changed & (cls.REPLACE_ON | ({cls.NAME_PROPERTY} - {""})):
            new = cls(account_id=account_id, region=region_name,
                      logical_id=old.logical_resource_id, stack_id=old.stack_id,
                      name=cls._name_for(props, old.stack_id, old.logical_resource_id),
                      props=props)
            new.resource_json = cloudformation_json
            new.create()
            new.replaces = old
            return new
        old.resource_json = cloudformation_json
        if changed:
            previous = old.props
            old.props = props
            try:
                old.update(previous, changed)
            except Exception:
                old.props = previous
                raise
        return old

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        raise NotImplementedError("the engine deletes through the resource object")

    def delete(self, account_id: str, region_name: str) -> None:
        self.destroy()
