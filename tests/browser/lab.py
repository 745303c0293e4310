"""The browser suite's JupyterLab and Chromium, and its pytest fixtures (imported by the test
module: a conftest.py here would shadow tests/conftest.py for `from conftest import ...`).

JupyterLab runs on 127.0.0.1, a free port, a token, and every file it could write (notebooks,
settings, workspaces, trust database, the learner's progress, kernels' temporary files) in a
scratch folder. The notebooks are copied there, so running a cell never changes the repository's
notebooks; the kernel still imports `pitfalls` and `solutions` from the work tree (the venv's
.pth file). One JupyterLab and one headless Chromium serve the whole module, a browser context each
test. Skipped, with the reason, where there is no Chromium or no Playwright; CI installs both
(.ci/run installs Debian's chromium when it is missing and sets PITFALLS_REQUIRE_BROWSER).
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
from typing import Any

import pytest

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


# --- pytest fixtures ------------------------------------------------------------------------------

SHOTS = Path(__file__).resolve().parent / "screenshots"  # gitignored


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Any]:
    path = chromium()
    if path is None and os.environ.get("PITFALLS_REQUIRE_BROWSER"):
        pytest.fail("PITFALLS_REQUIRE_BROWSER is set (CI) but there is no Chromium")
    if path is None:
        pytest.skip("no Chromium on this machine (/usr/bin/chromium): the browser suite needs "
                    "Debian's chromium package, or PITFALLS_CHROMIUM=/path/to/chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module", name="lab")
def lab_fixture(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    home = tmp_path_factory.mktemp("lab")
    with running_lab(home) as running:
        try:
            yield running
        finally:
            stop_left_emulators(home)


def stop_left_emulators(home: Path) -> None:
    """Stop a local AWS that a notebook in this lab started and a failed test left running."""
    from pitfalls.emulator import process

    # LocalAWS keeps its server's record in <tmp>/pitfalls-<name>-*/emulator/emulator.json.
    for record in (home / "tmp").glob("**/emulator.json"):
        process.stop(record.parent)


@pytest.fixture(name="page")
def page_fixture(browser: Any, lab: Lab) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()
    lab.shutdown_kernels()


def keep_screenshot(pg: Any, name: str) -> Path:
    """A screenshot for the reader (tests/browser/screenshots/NAME.png)."""
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path))
    return path
