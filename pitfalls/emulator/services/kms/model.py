"""KMS keys and aliases."""

from __future__ import annotations

from typing import Any

from moto.kms.models import KmsBackend, kms_backends

from pitfalls.emulator.cloudformation.errors import InvalidProperty
from pitfalls.emulator.cloudformation.resource import Resource, as_bool, as_json_text, register, tags_dict


def kms(account_id: str, region: str) -> KmsBackend:
    return kms_backends[account_id][region]


@register
class Key(Resource):
    TYPE = "AWS::KMS::Key"
    PROPERTIES = {
        "KeyPolicy": "stored as JSON; GetKeyPolicy returns it",
        "Description": "",
        "Enabled": "",
        "EnableKeyRotation": "",
        "KeySpec": "",
        "KeyUsage": "",
        "PendingWindowInDays": "used when the key is deleted",
        "Tags": "",
    }
    ATTRIBUTES = ("Arn", "KeyId")
    REPLACE_ON = frozenset({"KeySpec", "KeyUsage"})
    REF = "key id"
    READ_BACK = "DescribeKey, GetKeyPolicy, GetKeyRotationStatus, ListResourceTags"

    def create(self) -> None:
        p = self.props
        key = kms(self.account_id, self.region).create_key(
            policy=as_json_text(p["KeyPolicy"]) if "KeyPolicy" in p else None,
            key_usage=p.get("KeyUsage", "ENCRYPT_DECRYPT"),
            key_spec=p.get("KeySpec", "SYMMETRIC_DEFAULT"),
            description=p.get("Description", ""),
            tags=[{"TagKey": k, "TagValue": v} for k, v in tags_dict(p.get("Tags")).items()],
        )
        self.physical_id = key.id
        self._apply({}, set(p) - {"KeyPolicy", "Description", "Tags"})

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        self._apply(old, changed)

    def _apply(self, old: dict[str, Any], changed: set[str]) -> None:
        b, key_id, p = kms(self.account_id, self.region), self.physical_id, self.props
        if "KeyPolicy" in changed:
            if "KeyPolicy" not in p:
                raise InvalidProperty("KeyPolicy cannot be removed from a key")
            b.put_key_policy(key_id, as_json_text(p["KeyPolicy"]))
        if "Description" in changed:
            b.update_key_description(key_id, p.get("Description", ""))
        if "EnableKeyRotation" in changed:
            if as_bool(p.get("EnableKeyRotation", False)):
                b.enable_key_rotation(key_id)
            else:
                b.disable_key_rotation(key_id)
        if "Enabled" in changed:
            if as_bool(p.get("Enabled", True)):
                b.enable_key(key_id)
            else:
                b.disable_key(key_id)
        if "Tags" in changed:
            new, before = tags_dict(p.get("Tags")), tags_dict(old.get("Tags"))
            gone = [k for k in before if k not in new]
            if gone:
                b.untag_resource(key_id, gone)
            if new:
                b.tag_resource(key_id, new)

    def destroy(self) -> None:
        b = kms(self.account_id, self.region)
        key = b.keys.get(self.physical_id)
        if key is None or key.key_state == "PendingDeletion":
            return
        b.schedule_key_deletion(self.physical_id, int(self.props.get("PendingWindowInDays", 30)))

    def attribute(self, name: str) -> Any:
        key = kms(self.account_id, self.region).keys[self.physical_id]
        return key.arn if name == "Arn" else key.id


@register
class Alias(Resource):
    TYPE = "AWS::KMS::Alias"
    PROPERTIES = {"AliasName": "", "TargetKeyId": "key id or ARN"}
    REQUIRED = ("AliasName", "TargetKeyId")
    REPLACE_ON = frozenset({"AliasName"})
    READ_BACK = "ListAliases"
    REF = "alias name"

    def create(self) -> None:
        b = kms(self.account_id, self.region)
        alias = self.props["AliasName"]
        if not alias.startswith("alias/") or alias.startswith("alias/aws/"):
            raise InvalidProperty(f"AliasName must start with alias/ and not alias/aws/: {alias}")
        if b.get_key_id_from_alias(alias):
            raise InvalidProperty(f"An alias with the name {alias} already exists")
        b.create_alias(target_key_id=b.get_key_id(self.props["TargetKeyId"]), alias_name=alias)
        self.physical_id = alias

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        b = kms(self.account_id, self.region)
        b.update_alias(target_key_id=b.get_key_id(self.props["TargetKeyId"]),
                       alias_name=self.props["AliasName"])

    def destroy(self) -> None:
        kms(self.account_id, self.region).delete_alias(self.props["AliasName"])
