"""A CloudFormation template as plain data, with the few look-ups checks need.

No aws_cdk import here or in the checks: they run on any template, from any tool, in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pitfalls.templates.buildspec import BuildSpec, project_buildspec
from pitfalls.templates.refs import Json, as_list, ref_target, refs_in


def concrete_env(account: str | None, region: str | None) -> tuple[str | None, str | None]:
    """Account and region as CDK recorded them, with its `unknown-*` placeholders as None."""
    return (
        None if not account or account.startswith("unknown-") else account,
        None if not region or region.startswith("unknown-") else region,
    )


@dataclass
class Template:
    """A parsed template: `Resources` plus the stack name it came from."""

    data: dict[str, Json]
    name: str = ""
    # The stack's deployment environment when the synth recorded one (cdk.out manifest or an
    # in-process synth); None when environment-agnostic or unknown (a template file).
    account: str | None = None
    region: str | None = None
    # False for a CDK template read on its own: CDK may have written the account and region it
    # synthesized for into it, and only the cdk.out manifest says which they were.
    environment_known: bool = True
    source: str = ""  # the file it was read from, as given (for SARIF locations)
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

    def made_by_cdk(self) -> bool:
        """Whether CDK synthesized this template (its metadata resource or construct paths)."""
        return bool(self._by_type.get("AWS::CDK::Metadata")) or any(
            self.cdk_path(lid) for lid, _ in self.resources_all()
        )

    def cdk_path(self, lid: str) -> str | None:
        body = (self.data.get("Resources") or {}).get(lid) or {}
        return (body.get("Metadata") or {}).get("aws:cdk:path")

    def buildspec(self, lid: str) -> BuildSpec | None:
        """The inline buildspec of CodeBuild project `lid`, parsed on first use and shared by every
        check after that (YAML parsing is most of the checks' time); None when it is not inline."""
        if lid not in self._buildspecs:
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
