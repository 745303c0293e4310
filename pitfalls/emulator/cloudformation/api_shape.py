"""CloudFormation property shapes (PascalCase) to the JSON APIs' shapes (camelCase)."""

from __future__ import annotations

from typing import Any


def camel(key: str) -> str:
    return key[:1].lower() + key[1:]


def to_api(value: Any, keep: frozenset[str] = frozenset(), rename: dict[str, str] | None = None
           ) -> Any:
    """Lower-camel every key, recursively; the values under keys in `keep` are left as given."""
    rename = rename or {}
    if isinstance(value, dict):
        return {rename.get(k, camel(k)): (v if k in keep else to_api(v, keep, rename))
                for k, v in value.items()}
    if isinstance(value, list):
        return [to_api(v, keep, rename) for v in value]
    return value


def api_tags(tags: list[dict[str, str]] | None) -> list[dict[str, str]]:
    return [{"key": t["Key"], "value": t["Value"]} for t in (tags or [])]
