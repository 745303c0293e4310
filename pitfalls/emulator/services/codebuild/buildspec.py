"""A CodeBuild buildspec (version 0.2), read and checked before anything runs.

Follows https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html. What the
local AWS cannot honour (run-as, a proxy, batch builds, git credentials) is refused by name, so a
build never silently runs differently from CodeBuild. `cache` is accepted and does nothing (every
build here starts from a fresh workspace, as a build without a cache does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

PHASES = ("install", "pre_build", "build", "post_build")
TOP_KEYS = {"version", "env", "phases", "artifacts", "reports", "cache"}
ENV_KEYS = {"variables", "parameter-store", "secrets-manager", "exported-variables", "shell"}
PHASE_KEYS = {"commands", "finally", "on-failure", "runtime-versions"}
ARTIFACT_KEYS = {"files", "name", "base-directory", "discard-paths", "secondary-artifacts",
                 "exclude-paths", "enable-symlinks", "s3-prefix"}
REPORT_KEYS = {"files", "base-directory", "discard-paths", "file-format"}
REPORT_FORMATS = {"JUNITXML"}


class BuildspecError(Exception):
    """The buildspec cannot run; the message says why (CodeBuild's YAML_FILE_ERROR)."""


@dataclass
class Phase:
    name: str
    commands: list[str]
    finally_: list[str] = field(default_factory=list)
    on_failure: str = ""  # "", ABORT or CONTINUE; "" keeps CodeBuild's phase transitions
    runtime_versions: dict[str, str] = field(default_factory=dict)


@dataclass
class Files:
    """An artifact or report: which files, from where, with or without their paths."""

    files: list[str]
    base_directory: str = ""
    discard_paths: bool = False
    name: str = ""
    exclude: list[str] = field(default_factory=list)


@dataclass
class Buildspec:
    variables: dict[str, str] = field(default_factory=dict)
    parameter_store: dict[str, str] = field(default_factory=dict)
    secrets_manager: dict[str, str] = field(default_factory=dict)
    exported_variables: list[str] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    artifacts: Files | None = None
    secondary_artifacts: dict[str, Files] = field(default_factory=dict)
    reports: dict[str, Files] = field(default_factory=dict)


def _yes(value: Any) -> bool:
    """YAML reads `yes` as True already; CodeBuild also takes the strings."""
    return value is True or str(value).lower() in ("yes", "true")


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        return [str(value)]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise BuildspecError(f"{where} must be a list of strings")
    return [str(v) for v in value]


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BuildspecError(f"{where} must be a mapping")
    return value


def _unknown(keys: Any, allowed: set[str], where: str) -> None:
    for key in keys:
        if key not in allowed:
            raise BuildspecError(f"Unknown or unsupported key {where}{key} (the local AWS runs "
                                 f"only: {', '.join(sorted(allowed))})")


def _files(spec: Any, where: str, allowed: set[str]) -> Files:
    spec = _mapping(spec, where)
    _unknown(spec, allowed, f"{where}.")
    for key in ("enable-symlinks", "s3-prefix"):
        if key in spec:
            raise BuildspecError(f"{where}.{key} is not supported by the local AWS")
    files = _strings(spec.get("files"), f"{where}.files")
    if not files:
        raise BuildspecError(f"{where}.files is required")
    return Files(files=files, base_directory=str(spec.get("base-directory") or ""),
                 discard_paths=_yes(spec.get("discard-paths", False)),
                 name=str(spec.get("name") or ""),
                 exclude=_strings(spec.get("exclude-paths"), f"{where}.exclude-paths"))


def parse(text: str) -> Buildspec:
    """The buildspec in `text`, or BuildspecError with a one-line reason."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise BuildspecError(f"YAML does not parse{where}: "
                             f"{getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(doc, dict):
        raise BuildspecError("the buildspec must be a YAML mapping")
    _unknown(doc, TOP_KEYS, "")
    if str(doc.get("version")) != "0.2":
        raise BuildspecError(f"version {doc.get('version')!r} is not supported (use 0.2)")
    spec = Buildspec()
    env = _mapping(doc.get("env"), "env")
    _unknown(env, ENV_KEYS, "env.")
    if str(env.get("shell", "bash")) not in ("bash", "/bin/bash", "sh", "/bin/sh"):
        raise BuildspecError(f"env.shell {env['shell']!r} is not available here (bash, sh)")
    spec.variables = {str(k): "" if v is None else str(v)
                      for k, v in _mapping(env.get("variables"), "env.variables").items()}
    spec.parameter_store = {str(k): str(v) for k, v in _mapping(
        env.get("parameter-store"), "env.parameter-store").items()}
    spec.secrets_manager = {str(k): str(v) for k, v in _mapping(
        env.get("secrets-manager"), "env.secrets-manager").items()}
    spec.exported_variables = _strings(env.get("exported-variables"), "env.exported-variables")
    phases = _mapping(doc.get("phases"), "phases")
    _unknown(phases, set(PHASES), "phases.")
    for name in PHASES:
        if name not in phases:
            continue
        body = _mapping(phases[name], f"phases.{name}")
        if "run-as" in body:
            raise BuildspecError(f"phases.{name}.run-as is not supported by the local AWS")
        _unknown(body, PHASE_KEYS if name == "install" else PHASE_KEYS - {"runtime-versions"},
                 f"phases.{name}.")
        on_failure = str(body.get("on-failure", "")).upper()
        if on_failure not in ("", "ABORT", "CONTINUE"):
            raise BuildspecError(f"phases.{name}.on-failure must be ABORT or CONTINUE")
        spec.phases.append(Phase(
            name=name, commands=_strings(body.get("commands"), f"phases.{name}.commands"),
            finally_=_strings(body.get("finally"), f"phases.{name}.finally"),
            on_failure=on_failure,
            runtime_versions={str(k): str(v) for k, v in _mapping(
                body.get("runtime-versions"), f"phases.{name}.runtime-versions").items()}))
    if doc.get("artifacts") is not None:
        artifacts = _mapping(doc["artifacts"], "artifacts")
        secondary = _mapping(artifacts.get("secondary-artifacts"), "artifacts.secondary-artifacts")
        if "files" in artifacts:
            spec.artifacts = _files({k: v for k, v in artifacts.items()
                                     if k != "secondary-artifacts"}, "artifacts", ARTIFACT_KEYS)
        else:
            _unknown(artifacts, {"secondary-artifacts"}, "artifacts.")
        spec.secondary_artifacts = {
            str(k): _files(v, f"artifacts.secondary-artifacts.{k}", ARTIFACT_KEYS)
            for k, v in secondary.items()}
    for group, body in _mapping(doc.get("reports"), "reports").items():
        report = _files(body, f"reports.{group}", REPORT_KEYS)
        fmt = str(_mapping(body, "").get("file-format", "JUNITXML")).upper()
        if fmt not in REPORT_FORMATS:
            raise BuildspecError(f"reports.{group}.file-format {fmt} is not read by the local "
                                 f"AWS (only {', '.join(sorted(REPORT_FORMATS))})")
        spec.reports[str(group)] = report
    return spec
