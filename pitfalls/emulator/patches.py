"""Every change we make to moto, in one place. Installed once, in the server process, before the
server takes its first request (`install()`).

Each patch is a module-level function next to the code it serves, declared with
`@replaces(target, source_sha256)` or `@adds(target)` (`moto_patch.py`); its docstring says why.
`PATCH_MODULES` lists the modules that hold them, `PATCH_POINTS` all of them in that order. The
hash pins the replaced function's source in moto 5.2.5: if an upgrade moves or changes one, the
test `tests/emulator/test_patch_points.py` fails and names it, instead of the emulator silently
running an unpatched path.

Importing this module imports moto (the patch modules); only the server process and the tests do.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from typing import Any

from pitfalls.emulator.moto_patch import REGISTERED, Patch

MOTO_VERSION = "5.2.5"

# The modules holding patches: CloudFormation first, then the services in moto's names.
PATCH_MODULES = (
    "pitfalls.emulator.cloudformation.patches",
    "pitfalls.emulator.cloudformation.drift",
    "pitfalls.emulator.cloudformation.parameters",
    "pitfalls.emulator.services.events.patches",
    "pitfalls.emulator.services.awslambda.patches",
    "pitfalls.emulator.services.codedeploy.patches",
    "pitfalls.emulator.services.s3.patches",
    "pitfalls.emulator.services.codebuild.patches",
    "pitfalls.emulator.services.cloudtrail.patches",
    "pitfalls.emulator.services.codepipeline.patches",
    # what runs here: builds, functions, alarms, releases
    "pitfalls.emulator.services.codebuild.builds",
    "pitfalls.emulator.services.codebuild.reports",
    "pitfalls.emulator.services.awslambda.runtime",
    "pitfalls.emulator.services.cloudwatch.alarms",
    "pitfalls.emulator.services.codedeploy.releases",
)


def _collect() -> list[Patch]:
    for name in PATCH_MODULES:
        importlib.import_module(name)
    return list(REGISTERED)


PATCH_POINTS: list[Patch] = _collect()


def resolve(target: str) -> tuple[Any, str, Any]:
    """(owner object, attribute name, current value or None) of a patch target."""
    module_name, qual = target.split(":")
    owner: Any = importlib.import_module(module_name)
    *path, attr = qual.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, attr, owner.__dict__.get(attr) if isinstance(owner, type) else getattr(
        owner, attr, None)


def source_sha256(obj: Any) -> str:
    func: Any = obj.fget if isinstance(obj, property) else obj
    return hashlib.sha256(inspect.getsource(func).encode()).hexdigest()


_installed = False


def install() -> None:
    """Register our models and apply every patch (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.cloudformation import parsing

    from pitfalls.emulator import services

    services.load_models()
    for patch in PATCH_POINTS:
        owner, attr, _current = resolve(patch.target)
        setattr(owner, attr, patch.replacement)
    # moto caches its model list; ours are registered now, drop anything cached before.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    _installed = True


def check_patch_points() -> list[str]:
    """Patch points that moved or changed since moto 5.2.5 (empty when all is as expected)."""
    from importlib import metadata

    problems = []
    version = metadata.version("moto")
    if version != MOTO_VERSION:
        problems.append(f"moto is {version}, the patches were written for {MOTO_VERSION}")
    for patch in PATCH_POINTS:
        try:
            _owner, _attr, current = resolve(patch.target)
        except (ImportError, AttributeError) as exc:
            problems.append(f"{patch.target}: cannot be found ({exc})")
            continue
        if patch.source_sha256 is None:
            if current is not None:
                problems.append(f"{patch.target}: moto has it now; drop our addition")
            continue
        if current is None:
            problems.append(f"{patch.target}: no longer exists")
        elif source_sha256(current) != patch.source_sha256:
            problems.append(f"{patch.target}: its source changed; re-check the patch")
    return problems


def current_hashes() -> dict[str, str]:
    """The source hashes of the (unpatched) patch points, to refresh PATCH_POINTS by hand."""
    out = {}
    for patch in PATCH_POINTS:
        try:
            _o, _a, current = resolve(patch.target)
        except (ImportError, AttributeError):
            continue
        if current is not None:
            out[patch.target] = source_sha256(current)
    return out

