"""Variables in action configurations: `#{Namespace.Name}`, resolved when the action starts.

As https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html says:
an action's output variables are visible downstream only through the namespace the action
declares (`#{SourceVariables.VersionId}`); pipeline-level variables (V2) are `#{variables.name}`;
`#{codepipeline.PipelineExecutionId}` is the execution's id. A reference that cannot be resolved
fails the action with a message naming it.
"""

from __future__ import annotations

import re
from typing import Any

REFERENCE = re.compile(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_.]+)\}")


class UnresolvedVariable(Exception):
    pass


def resolve(value: Any, namespaces: dict[str, dict[str, str]]) -> Any:
    """`value` (a configuration: strings, lists, objects) with every reference replaced."""
    if isinstance(value, dict):
        return {k: resolve(v, namespaces) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, namespaces) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match[str]) -> str:
        namespace, name = m.group(1), m.group(2)
        found = namespaces.get(namespace)
        if found is None:
            raise UnresolvedVariable(f"The variable {m.group(0)} cannot be resolved: no action "
                                     f"that ran before declares the namespace {namespace}")
        if name not in found:
            raise UnresolvedVariable(f"The variable {m.group(0)} cannot be resolved: namespace "
                                     f"{namespace} has no variable {name} (it has "
                                     f"{', '.join(sorted(found)) or 'none'})")
        return str(found[name])

    return REFERENCE.sub(one, value)
