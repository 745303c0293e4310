"""A CloudFormation template as plain data, with the few look-ups checks need.

No aws_cdk import here or in the checks: they run on any template, from any tool, in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitfalls.templates.buildspec import BuildSpec

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


def concrete_env(account: str | None, region: str | None) -> tuple[str | None, str | None]:
    """Account and region as CDK recorded them, with its `unknown-*` placeholders as None."""
    return (
        None if not account or account.startswith("unknown-") else account,
        None if not region or region.startswith("unknown-") else region,
    )


def as_list(value: Json) -> list[Json]:
    """CloudFormation lets many list-valued fields be a single value; normalise to a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass
class Template:
    """A parsed template: `Resources` plus the stack name it came from."""

    data: dict[str, Json]
    name: str = ""
    # The stack's deployment environment when the synth recorded one (cdk.out manifest or an
    # in-process synth); None when environment-agnostic or unknown (a template file).
    account: str | None = None
    region: str | None = None
    _by_type: dict[str, list[str]] = field(default_factory=dict, repr=False)
    # Parsed inline buildspecs by project; never invalidated: a template is read-only data.
    _buildspecs: dict[str, BuildSpec | None] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for lid, res in self.resources_all():
            self._by_type.setdefault(res.get("Type", ""), []).append(lid)

    def resources_all(self) -> Iterator[tuple[str, dict[str, Json]]]:
        res = self.data.get("Resources") or {}
        for lid, body in res.items():
            if isinstance(body, dict):
                yield lid, body

    def resources(self, *types: str) -> Iterator[tuple[str, dict[str, Json]]]:
        """(logical id, resource) for every resource of the given types, in template order."""
        res = self.data.get("Resources") or {}
        for t in types:
            for lid in self._by_type.get(t, []):
                yield lid, res[lid]

    def props(self, lid: str) -> dict[str, Json]:
        body = (self.data.get("Resources") or {}).get(lid) or {}
        return body.get("Properties") or {}

    def type_of(self, lid: str | None) -> str | None:
        if lid is None:
            return None
        body = (self.data.get("Resources") or {}).get(lid)
        return body.get("Type") if isinstance(body, dict) else None

    def has(self, lid: str | None) -> bool:
        return lid is not None and lid in (self.data.get("Resources") or {})

    def cdk_path(self, lid: str) -> str | None:
        body = (self.data.get("Resources") or {}).get(lid) or {}
        return (body.get("Metadata") or {}).get("aws:cdk:path")

    def buildspec(self, lid: str) -> BuildSpec | None:
        """The inline buildspec of CodeBuild project `lid`, parsed on first use and shared by every
        check after that (YAML parsing is most of the checks' time); None when it is not inline."""
        if lid not in self._buildspecs:
            from pitfalls.templates.buildspec import project_buildspec  # it imports this module

            self._buildspecs[lid] = project_buildspec(self.props(lid))
        return self._buildspecs[lid]

    def referencing(self, target: str, *types: str) -> Iterator[tuple[str, dict[str, Json]]]:
        """Resources (of the given types, or any) whose properties reference `target`."""
        pool = self.resources(*types) if types else self.resources_all()
        for lid, body in pool:
            if target in refs_in(body.get("Properties") or {}):
                yield lid, body


PIPELINE = "AWS::CodePipeline::Pipeline"


def _names(items: Json) -> tuple[str, ...]:
    return tuple(str(i.get("Name")) for i in as_list(items) if isinstance(i, dict))


@dataclass(frozen=True)
class PipelineAction:
    """One action of an AWS::CodePipeline::Pipeline: where it runs, what it is, what it reads."""

    stage_index: int
    stage: str
    name: str
    category: str
    provider: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    run_order: int = 1
    namespace: str | None = None  # the action's variables namespace
    configuration: dict[str, Json] = field(default_factory=dict, compare=False, hash=False)

    @property
    def project(self) -> str | None:
        """The logical id of the CodeBuild project a CodeBuild action runs, if it is ours."""
        return ref_target(self.configuration.get("ProjectName"))


def _run_order(value: Json) -> int:
    """RunOrder as CloudFormation reads it (a number, or a numeric string); 1 when absent or unreadable."""
    try:
        return int(value or 1)
    except (TypeError, ValueError):
        return 1


def pipeline_actions(props: dict[str, Json]) -> list[PipelineAction]:
    """Every action of a pipeline's Stages, flattened, in stage order; malformed parts skipped."""
    out = []
    for index, stage in enumerate(as_list(props.get("Stages"))):
        if not isinstance(stage, dict):
            continue
        for action in as_list(stage.get("Actions")):
            if not isinstance(action, dict):
                continue
            type_id = action.get("ActionTypeId")
            type_id = type_id if isinstance(type_id, dict) else {}
            config = action.get("Configuration")
            out.append(
                PipelineAction(
                    stage_index=index,
                    stage=str(stage.get("Name", f"#{index}")),
                    name=str(action.get("Name", "?")),
                    category=str(type_id.get("Category", "")),
                    provider=str(type_id.get("Provider", "")),
                    inputs=_names(action.get("InputArtifacts")),
                    outputs=_names(action.get("OutputArtifacts")),
                    run_order=_run_order(action.get("RunOrder")),
                    namespace=ns if isinstance(ns := action.get("Namespace"), str) else None,
                    configuration=config if isinstance(config, dict) else {},
                )
            )
    return out
