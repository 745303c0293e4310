"""Read-back of KMS: AWS::KMS::Alias, AWS::KMS::Key, compared with the template through KMS's
API.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Gone, Report, attributes, call, reads, sub, tags


@reads("AWS::KMS::Key")
def _key(c: Clients, key_id: str, p: dict[str, Any], r: Report, w: str) -> None:
    meta = call(c.kms.describe_key, KeyId=key_id)["KeyMetadata"]
    if meta["KeyState"] == "PendingDeletion":
        raise Gone(key_id)
    r.expect(w, "enabled", meta["Enabled"], p.get("Enabled", True))
    r.expect(w, "key usage", meta["KeyUsage"], p.get("KeyUsage", "ENCRYPT_DECRYPT"))
    r.expect(w, "key spec", meta["KeySpec"], p.get("KeySpec", "SYMMETRIC_DEFAULT"))
    if "Description" in p:
        r.expect(w, "description", meta["Description"], p["Description"])
    if "KeyPolicy" in p:
        r.expect(w, "key policy", c.kms.get_key_policy(KeyId=key_id, PolicyName="default")[
            "Policy"], p["KeyPolicy"])
    r.expect(w, "rotation", c.kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"],
             p.get("EnableKeyRotation", False))
    if "Tags" in p:
        got = {t["TagKey"]: t["TagValue"] for t in c.kms.list_resource_tags(KeyId=key_id)["Tags"]}
        r.expect(w, "tags", sub(got, tags(p["Tags"])), tags(p["Tags"]))


@reads("AWS::KMS::Alias")
def _alias(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    aliases = {a["AliasName"]: a for a in c.kms.list_aliases()["Aliases"]}
    if name not in aliases:
        raise Gone(name)
    target = p["TargetKeyId"].split(":key/")[-1]
    r.expect(w, "target key", aliases[name].get("TargetKeyId"), target)


attributes(
    "AWS::KMS::Key",
    Arn=lambda c, p: call(c.kms.describe_key, KeyId=p)["KeyMetadata"]["Arn"],
)
