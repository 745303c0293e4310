"""Read templates from disk: one .json/.yaml/.yml file, or every stack of a `cdk.out` directory."""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pitfalls import limits
from pitfalls.templates.template import Template


class InputError(Exception):
    """Input the checker cannot read; the message is one line for the user."""


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _yaml_load(text: str, where: str) -> Any:
    import yaml

    # libyaml's loader where PyYAML was built with it: about 10x faster than the pure-Python one.
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class CfnLoader(base):  # type: ignore[valid-type, misc]
        """SafeLoader that reads CloudFormation short forms (!Ref, !GetAtt, !Sub ...)."""

    def construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if suffix == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    CfnLoader.add_multi_constructor("!", construct_tag)
    try:
        # The cyclic garbage collector, run again and again over the growing tree of nodes, made
        # a 3.8 MB template take 11 s instead of 4: it stays off while the parse allocates.
        with _no_gc():
            limits.check_yaml_events(yaml.parse(text, Loader=CfnLoader))
            return yaml.load(text, Loader=CfnLoader)  # noqa: S506 (a SafeLoader subclass)
    except ValueError as exc:  # a limit
        raise InputError(f"{where}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InputError(f"{where}: malformed YAML{at}: {problem}") from None


def _read(path: Path, what: str) -> str:
    try:
        return limits.read_text(path, what)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:  # over the size cap
        raise InputError(f"{path}: {exc}") from None


def _json(text: str, path: Path) -> Any:
    try:
        return limits.loads_json(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except ValueError as exc:  # nested too deep
        raise InputError(f"{path}: {exc}") from None


def load_template_file(path: Path) -> Template:
    """Parse one template file, or raise InputError saying why it is not one."""
    text = _read(path, "template")
    if path.suffix == ".json":
        data = _json(text, path)
    else:
        data = _yaml_load(text, str(path))
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise InputError(f"{path}: not a CloudFormation template (no Resources section)")
    t = Template(data, path.name.removesuffix(".template.json").removesuffix(path.suffix), source=str(path))
    t.environment_known = not t.made_by_cdk()  # a cdk.out manifest may say otherwise
    return t


def load_path(path: Path) -> tuple[list[Template], dict[str, Any] | None]:
    """Templates at `path`, plus the CDK validation report when `path` is a cdk.out with one."""
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.is_file():
        if path.suffix not in (".json", ".yaml", ".yml"):
            raise InputError(f"{path}: expected a .json, .yaml or .yml template or a cdk.out dir")
        return [load_template_file(path)], None
    files = sorted(path.glob("*.template.json")) + sorted(path.glob("assembly-*/*.template.json"))
    if not files:
        raise InputError(f"{path}: no *.template.json in this directory (is it a cdk.out?)")
    report_file = path / "validation-report.json"
    report = None
    if report_file.exists():
        report = _json(_read(report_file, "validation report"), report_file)
    templates = [load_template_file(f) for f in files]
    _apply_manifest_env(path, templates)
    return templates, report


def _apply_manifest_env(outdir: Path, templates: list[Template]) -> None:
    """Give each stack template the environment the manifest beside it records (the cdk.out's,
    or a nested assembly's for the stacks of a Stage)."""
    from pitfalls.templates.template import concrete_env

    environments: dict[Path, str] = {}
    for manifest_file in [outdir / "manifest.json", *sorted(outdir.glob("assembly-*/manifest.json"))]:
        try:
            manifest = limits.loads_json(limits.read_text(manifest_file, "manifest"))
        except (OSError, ValueError):
            continue  # no manifest: a plain directory of templates, environment unknown
        for art in (manifest.get("artifacts") or {}).values():
            if isinstance(art, dict) and art.get("type") == "aws:cloudformation:stack":
                tfile = (art.get("properties") or {}).get("templateFile")
                if isinstance(tfile, str) and isinstance(art.get("environment"), str):
                    environments[(manifest_file.parent / tfile).resolve()] = art["environment"]
    for t in templates:
        env = environments.get(Path(t.source).resolve(), "")
        if env.startswith("aws://"):
            account, _, region = env.removeprefix("aws://").partition("/")
            t.account, t.region = concrete_env(account, region)
            t.environment_known = True
