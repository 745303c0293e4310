"""The Node.js this machine has for builds and functions: the course's pinned Node 24."""

from __future__ import annotations

import functools
import subprocess

from pitfalls._env import node_executable


@functools.cache
def node_version() -> str:
    """e.g. "24.19.0" ("" when no Node is installed)."""
    node = node_executable()
    if node is None:
        return ""
    done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    return done.stdout.strip().lstrip("v")


def node_major() -> int:
    version = node_version()
    return int(version.split(".")[0]) if version else 0
