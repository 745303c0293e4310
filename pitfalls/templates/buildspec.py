"""Read the inline buildspec of a CodeBuild project out of a template, as plain data.

CDK writes `BuildSpec.from_object(...)` as a JSON string; when the spec mentions another
resource (a report group's ARN as a `reports` key, say) the string becomes an `Fn::Join`, and a
hand-written template may use `Fn::Sub` or YAML. Every form is turned back into one string, with
each reference replaced by a placeholder that names the logical id, and parsed. No aws_cdk import:
checks use this.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pitfalls.templates.refs import Json, as_list, ref_target

PHASES = ("install", "pre_build", "build", "post_build")
_PLACEHOLDER = "@@REF:{}@@"
_PLACEHOLDER_RE = re.compile(r"@@REF:([A-Za-z0-9:_.-]+)@@")


def _flatten(value: Json) -> str | None:
    """The buildspec as one string, references turned into placeholders; None if not inline."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    target = ref_target(value)
    if target is not None:
        return _PLACEHOLDER.format(target)
    (key, arg), = value.items()
    if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        sep = arg[0] if isinstance(arg[0], str) else ""
        parts = [_flatten(p) for p in arg[1]]
        return sep.join(p if p is not None else _PLACEHOLDER.format("?") for p in parts)
    if key == "Fn::Sub":
        text = arg[0] if isinstance(arg, list) and arg else arg
        if isinstance(text, str):
            return re.sub(
                r"\$\{([^}!][^}]*)\}",
                lambda m: _PLACEHOLDER.format(m.group(1).split(".", 1)[0]),
                text,
            )
    return None


@dataclass
class BuildSpec:
    """A parsed inline buildspec: its phases' commands and its reports section.

    Parsed once per project and shared by every check (`Template.buildspec`): read it, never change it.
    """

    data: dict[str, Any]
    commands: dict[str, list[str]] = field(default_factory=dict)
    # A phase's `finally` block: runs after its commands, even when they fail.
    finally_commands: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        phases = self.data.get("phases") or {}
        for name in PHASES:
            phase = phases.get(name) if isinstance(phases, dict) else None
            phase = phase if isinstance(phase, dict) else {}
            self.commands[name] = [str(c) for c in as_list(phase.get("commands")) if c is not None]
            self.finally_commands[name] = [str(c) for c in as_list(phase.get("finally")) if c is not None]

    def all_commands(self, *phases: str) -> list[str]:
        """Commands of the given phases (all four when none given), in phase order."""
        return [c for p in (phases or PHASES) for c in self.commands.get(p, [])]

    def every_command(self) -> list[str]:
        """Everything the build's shell runs: each phase's commands, then its `finally` block."""
        return [c for p in PHASES for c in self.commands[p] + self.finally_commands[p]]

    def runtime_version(self, runtime: str) -> str | None:
        """The install phase's `runtime-versions` value for `runtime` (nodejs: 24), as written."""
        phases = self.data.get("phases")
        install = phases.get("install") if isinstance(phases, dict) else None
        versions = install.get("runtime-versions") if isinstance(install, dict) else None
        value = versions.get(runtime) if isinstance(versions, dict) else None
        return None if value is None else str(value)

    @property
    def reports(self) -> dict[str, dict[str, Any]]:
        """The `reports` section: report group name or ARN (placeholder) -> its settings."""
        section = self.data.get("reports")
        if not isinstance(section, dict):
            return {}
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in section.items()}


def report_group_ref(key: str) -> str | None:
    """The logical id a `reports` key points at (an ARN written as a reference), else None."""
    m = _PLACEHOLDER_RE.fullmatch(key.strip())
    return m.group(1) if m else None


def parse(value: Json) -> BuildSpec | None:
    """The buildspec of a `Source.BuildSpec` value, or None when it is not an inline spec.

    A value that is a file name (`buildspec-test.yml`) or an S3 ARN is not inline: the commands
    live in the source, where no check can see them.
    """
    text = _flatten(value)
    if text is None:
        return None
    try:
        data = json.loads(text)  # what CDK writes; the JSON parser is far faster than YAML's
    except ValueError:
        import yaml

        try:
            data = yaml.safe_load(text)  # a hand-written YAML spec
        except yaml.YAMLError:
            return None
    if not isinstance(data, dict) or "phases" not in data and "reports" not in data:
        return None
    return BuildSpec(data)


def project_buildspec(project_props: dict[str, Json]) -> BuildSpec | None:
    """The inline buildspec of an `AWS::CodeBuild::Project`, if it has one."""
    source = project_props.get("Source") or {}
    return parse(source.get("BuildSpec")) if isinstance(source, dict) else None
