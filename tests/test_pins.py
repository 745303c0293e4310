"""environment.yml (conda, Binder) and pyproject.toml pin the same versions."""

from __future__ import annotations

import tomllib

import yaml
from conftest import ROOT


def _pyproject_pins() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["test"])


def _conda_pins() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return set(pip)


def test_same_pins() -> None:
    assert _conda_pins() == _pyproject_pins()


def test_every_pin_is_exact() -> None:
    for req in _pyproject_pins():
        assert "==" in req, f"{req} is not pinned exactly"


def test_cli_pinned_in_lockfile() -> None:
    import json

    pkg = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    wanted = pkg["devDependencies"]["aws-cdk"]
    assert wanted[0].isdigit(), "the CLI version in package.json must be exact"
    assert lock["packages"]["node_modules/aws-cdk"]["version"] == wanted
