"""How a change to moto is declared: `@replaces(target, source_sha256)` or `@adds(target)` on a
module-level function, whose docstring says why.

The decorators only record the patch; `pitfalls.emulator.patches` collects every patch module
into `PATCH_POINTS` and installs them. The hash pins the source of the moto function replaced
(moto 5.2.5), so an upgrade that changes it is caught by `tests/emulator/test_patch_points.py`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Patch:
    target: str  # "module:Qualified.name" of the moto object replaced or added
    why: str  # the replacement's docstring, first paragraph
    source_sha256: str | None  # of the replaced function's source; None when we add a new one
    replacement: Any  # the function (or property) installed at `target`


REGISTERED: list[Patch] = []


def _why(fn: Callable[..., Any]) -> str:
    doc = inspect.getdoc(fn) or ""
    return " ".join(doc.split("\n\n")[0].split())


def replaces(target: str, source_sha256: str, *, as_property: bool = False) -> Callable[[F], F]:
    """Record `fn` as the replacement of the moto function at `target`."""
    def record(fn: F) -> F:
        REGISTERED.append(Patch(target, _why(fn), source_sha256,
                                property(fn) if as_property else fn))
        return fn
    return record


def adds(target: str) -> Callable[[F], F]:
    """Record `fn` as an addition to moto at `target` (an API moto does not implement)."""
    def record(fn: F) -> F:
        REGISTERED.append(Patch(target, _why(fn), None, fn))
        return fn
    return record
