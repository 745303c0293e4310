"""Patches of moto's S3: bucket policies are evaluated with their conditions and principals."""

from __future__ import annotations

import json
from typing import Any

from moto.s3.models import FakeBucket

from pitfalls.emulator.moto_patch import replaces

# The request context the emulator knows. Clients reach it over plain HTTP on loopback, standing in
# for AWS's TLS endpoints, so every request counts as secure transport.
REQUEST_CONTEXT = {"aws:securetransport": "true"}


def _matches(pattern: str, value: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(value, pattern)


def _condition_holds(conditions: dict[str, Any]) -> bool:
    """IAM semantics: every operator and key must hold; a key missing from the context fails."""
    for operator, keys in conditions.items():
        for key, expected in keys.items():
            actual = REQUEST_CONTEXT.get(key.lower())
            wanted = expected if isinstance(expected, list) else [expected]
            wanted = [str(w).lower() if operator == "Bool" else str(w) for w in wanted]
            if actual is None:
                if operator.endswith("IfExists"):
                    continue
                return False
            op = operator.removesuffix("IfExists")
            if op in ("Bool", "StringEquals", "ArnEquals"):
                ok = actual in wanted
            elif op in ("StringLike", "ArnLike"):
                ok = any(_matches(w, actual) for w in wanted)
            elif op == "StringNotEquals":
                ok = actual not in wanted
            else:
                return False  # an operator we cannot evaluate never grants or denies
            if not ok:
                return False
    return True


def _applies_to_caller(principal: Any, account_id: str) -> bool:
    """Every caller of the emulator is the account itself (root)."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    aws = principal.get("AWS", [])
    aws = aws if isinstance(aws, list) else [aws]
    return any(p in ("*", account_id, f"arn:aws:iam::{account_id}:root") for p in aws)


@replaces("moto.s3.models:FakeBucket.get_permission",
          "7571412a3495a0e3e1a2a34b0b8ed3fc0af1a96d35514841b274fbe1eac12b99")
def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
    """Bucket policies: evaluate conditions (aws:SecureTransport is true) and principals; moto's
    evaluation denied everything under the CDK's enforceSSL policy.

    moto ignores a condition whose operator it does not know (Bool among them), so the CDK's
    enforceSSL policy ("Deny s3:* unless aws:SecureTransport") denied every request; and it treats
    a statement whose condition fails as a Deny. Here a statement counts only when its principal
    is the caller and its conditions hold.
    """
    from moto.iam.access_control import PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    policy = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
    statements = policy.get("Statement", [])
    permitted = False
    for st in statements if isinstance(statements, list) else [statements]:
        actions = st.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        resources = st.get("Resource", [])
        resources = resources if isinstance(resources, list) else [resources]
        if not any(_matches(a, action) for a in actions):
            continue
        if not any(_matches(r, resource) for r in resources):
            continue
        if not _applies_to_caller(st.get("Principal"), self.account_id):
            continue
        if not _condition_holds(st.get("Condition", {})):
            continue
        if st.get("Effect") == "Deny":
            return PermissionResult.DENIED
        permitted = True
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL

