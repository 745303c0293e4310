"""A JupyterLab for the browser suite: on 127.0.0.1, a free port, a token, and every file it could
write (notebooks, settings, workspaces, trust database, the learner's progress) in a scratch folder.

The notebooks are copied there, so running a cell never changes the repository's notebooks; the
kernel still imports `pitfalls` and `solutions` from the work tree (the venv's .pth file).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# The machine's closed network: no component updates, sync or background fetches (each would be a
# refused connection), and no sandbox (CI runs as root).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium() -> str | None:
    """Path of a system Chromium, or None (the suite is then skipped, saying so)."""
    env = os.environ.get("PITFALLS_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    return next((c for c in CHROMIUM_CANDIDATES if Path(c).exists()), None) or shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Lab:
    url: str  # http://127.0.0.1:PORT
    token: str
    home: Path  # the scratch folder; notebooks/ inside it is JupyterLab's root
    progress_file: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/notebooks/{name}?token={self.token}&reset"

    def api(self, path: str, method: str = "GET") -> object:
        req = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 (loopback only)
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Stop every kernel the pages started, so opened notebooks do not pile up."""
        for session in self.api("sessions"):  # type: ignore[attr-defined]
            self.api(f"sessions/{session['id']}", method="DELETE")


# JupyterLab's settings for the suite: no news prompt (it would cover the notebook), no
# unsaved-changes dialog when a page closes.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                          "checkForUpdates": False},
    # Every cell rendered at once (JupyterLab 4 renders the cells near the viewport by default),
    # so a test reads every output of a notebook without scrolling through it.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


@contextmanager
def running_lab(home: Path) -> Iterator[Lab]:
    """Start JupyterLab on a copy of notebooks/ inside `home`; stop it (and its kernels) after."""
    shutil.copytree(ROOT / "notebooks", home / "notebooks",
                    ignore=shutil.ignore_patterns("my-work", ".ipynb_checkpoints"))
    settings = home / "lab-settings"
    for name, value in SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port, token = free_port(), secrets.token_hex(16)
    progress_file = home / "progress.json"
    env = dict(
        os.environ,
        PITFALLS_PROGRESS_FILE=str(progress_file),
        JUPYTER_CONFIG_DIR=str(home / "jupyter-config"),
        JUPYTER_DATA_DIR=str(home / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(home / "jupyter-runtime"),
        IPYTHONDIR=str(home / "ipython"),
        # The kernels' temporary files (notebook 15's emulator state among them) stay in `home`,
        # where the suite finds and stops what a failed test left running.
        TMPDIR=str(home / "tmp"),
    )
    (home / "tmp").mkdir()
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}",
        f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--ServerApp.port_retries=0", "--LabApp.news_url=", "--allow-root",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run commands, read cell state
    ]
    log = home / "jupyterlab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}", token, home, progress_file, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                lab.api("status")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start; its log: {log}") from None
                time.sleep(0.3)
        yield lab
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
