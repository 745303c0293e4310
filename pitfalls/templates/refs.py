"""Values inside a template as plain data: references between resources, and list-or-one fields."""

from __future__ import annotations

from typing import Any

Json = Any


def ref_target(value: Json) -> str | None:
    """The logical id a value points at through Ref or Fn::GetAtt, else None."""
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref" and isinstance(arg, str):
            return arg
        if key == "Fn::GetAtt":
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                return arg[0]
            if isinstance(arg, str):
                return arg.split(".", 1)[0]
    return None


def refs_in_order(value: Json) -> list[str]:
    """Every logical id referenced anywhere inside a value (Ref, GetAtt, and ${X} in Fn::Sub),
    once each, in order of appearance. `${!X}` is Fn::Sub's escape for a literal, not a ref."""
    found: list[str] = []

    def walk(v: Json) -> None:
        target = ref_target(v)
        if target is not None:
            found.append(target)
            return
        if isinstance(v, dict):
            if "Fn::Sub" in v:
                sub = v["Fn::Sub"]
                text = sub[0] if isinstance(sub, list) and sub else sub
                if isinstance(text, str):
                    for part in text.split("${")[1:]:
                        name = part.split("}", 1)[0].split(".", 1)[0]
                        if name and not name.startswith(("AWS::", "!")):
                            found.append(name)
            for child in v.values():
                walk(child)
        elif isinstance(v, list):
            for child in v:
                walk(child)

    walk(value)
    return list(dict.fromkeys(found))


def refs_in(value: Json) -> set[str]:
    """Every logical id referenced anywhere inside a value (Ref, GetAtt, and ${X} in Fn::Sub)."""
    return set(refs_in_order(value))


def as_list(value: Json) -> list[Json]:
    """CloudFormation lets many list-valued fields be a single value; normalise to a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
