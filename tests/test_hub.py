"""A room on one host: a real JupyterHub (dummy authenticator, configurable-http-proxy from npm,
local process spawner with a home of its own per user), three learners at once.

Each learner's server starts at the same time; in its kernel the learner grades the exercise of
one scenario (the `%%exercise` cell with the reference answer) and deploys a small stack of
their own to their own local AWS with the real CDK CLI, all three at the same time. Each sees
only their own stack and their own progress, kept in their own copy of the course.

Kept light for 2 cores: one small stack per learner rather than all of notebook 15 (whose deploy
alone is 1.7 GiB and 22 CPU seconds per learner, see the instructor guide's sizing).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from pitfalls import _env
from pitfalls.learner.exercise import get

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

USERS = {"ada": 1, "grace": 7, "linus": 9}  # learner -> the scenario whose exercise they grade
COPY = "pipeline-pitfalls"
TOKEN = uuid.uuid4().hex
PROXY = ROOT / "node_modules" / "configurable-http-proxy" / "bin" / "configurable-http-proxy"

CONFIG = """
import os
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{node!r}, {proxy!r}]
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
# Each learner's kernels import their own copy of the course (the copy in their home).
c.Spawner.environment = {{"PYTHONPATH": lambda s: s.home_dir + "/{copy}"}}
c.JupyterHub.services = [{{"name": "test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "test", "services": ["test"],
                            "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"]}}]
c.JupyterHub.cleanup_servers = True
"""

# The learner's second cell: a stack of their own on their own local AWS, then what they see.
DEPLOY = """
import json
import aws_cdk as cdk
import aws_cdk.aws_s3 as s3
from pitfalls.notebook import LocalAWS
from pitfalls._env import state_dir
from pitfalls.learner.progress import progress_file

aws = LocalAWS("hub")
def build(app):
    s3.Bucket(cdk.Stack(app, "Work-{user}"), "Files")
code = aws.deploy(aws.assembly("mine", build), "Work-{user}")
stacks = [s["StackName"] for s in aws.cloudformation.list_stacks()["StackSummaries"]
          if s["StackStatus"] != "DELETE_COMPLETE"]
seen = {{"code": code, "stacks": stacks, "endpoint": aws.endpoint, "state": str(state_dir()),
        "progress": str(progress_file()),
        "passed": {{k: v["passed"] for k, v in
                   json.loads(progress_file().read_text())["scenarios"].items()}}}}
aws.stop()
print("RESULT " + json.dumps(seen))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(base: str, method: str, path: str, token: str = TOKEN, body: object = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{base}/hub/api{path}", data=data, method=method,
                                 headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read().decode()
    return json.loads(text) if text else None


def _working_copy(home: Path) -> None:
    """A learner's copy of the course, as the instructor guide's /etc/skel step gives them."""
    dest = home / COPY
    ignore = shutil.ignore_patterns("__pycache__", "node_modules", "reports", "coverage")
    for name in ("pitfalls", "solutions", "lambda_src"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    for name in ("app.py", "cdk.json"):
        shutil.copy(ROOT / name, dest / name)
    (dest / "node_modules").symlink_to(ROOT / "node_modules")


async def _run_cell(base: str, user: str, token: str, kernel: str, code: str) -> str:
    """Execute one cell in the learner's kernel through the hub's proxy; its printed output."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = f"{base.replace('http', 'ws')}/user/{user}/api/kernels/{kernel}/channels"
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    msg_id = uuid.uuid4().hex
    ws.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": user,
                   "session": uuid.uuid4().hex, "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    out: list[str] = []
    status = ""
    while not status:
        raw = await asyncio.wait_for(ws.read_message(), timeout=600)
        assert raw is not None, "the kernel's channel closed"
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["header"]["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            out.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            out.append("\n".join(content["traceback"]))
        elif kind == "execute_reply":
            status = content["status"]
    ws.close()
    assert status == "ok", "".join(out)[-3000:]
    return "".join(out)


async def _learner(base: str, user: str, scenario: int) -> dict[str, Any]:
    token = _api(base, "POST", f"/users/{user}/tokens", body={"expires_in": 3600})["token"]
    req = urllib.request.Request(f"{base}/user/{user}/api/kernels", data=b"{}", method="POST",
                                 headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        kernel = json.loads(r.read())["id"]
    graded = await _run_cell(base, user, token, kernel, get(scenario).solution_cell())
    shown = await _run_cell(base, user, token, kernel, DEPLOY.format(user=user))
    line = next(ln for ln in shown.splitlines() if ln.startswith("RESULT "))
    return {"graded": graded, **json.loads(line.removeprefix("RESULT "))}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Any:
    node = _env.node_executable()  # the binary itself: the venv's `node` wrapper would be the
    # process the hub stops, leaving the proxy running
    if not PROXY.exists() or node is None:
        pytest.fail("configurable-http-proxy is not installed: run make setup (npm ci)")
    work = tmp_path_factory.mktemp("hub")
    homes = work / "home"
    for user in USERS:
        _working_copy(homes / user)
    port = _free_port()
    allow_root = ["--allow-root"] if os.getuid() == 0 else []
    (work / "jupyterhub_config.py").write_text(CONFIG.format(
        port=port, hub_port=_free_port(), proxy_api_port=_free_port(), node=node,
        proxy=str(PROXY), homes=str(homes), copy=COPY, token=TOKEN, args=allow_root,
        singleuser=str(Path(sys.executable).parent / "jupyterhub-singleuser")))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PITFALLS_", "JUPYTERHUB_", "JPY_"))}
    log = open(work / "hub.log", "wb")  # noqa: SIM115  (closed below, after the hub stops)
    proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", "jupyterhub_config.py"],
                            cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            _api(base, "GET", "/")
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the hub did not start: " + (work / "hub.log").read_text()[-2000:])
            time.sleep(0.5)
    try:
        yield base, homes
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_three_learners_at_once_each_see_only_their_own(hub: Any) -> None:
    base, homes = hub
    _api(base, "POST", "/users", body={"usernames": list(USERS)})
    for user in USERS:  # the hub answers 202 and spawns: the three servers start at once
        _api(base, "POST", f"/users/{user}/server")
    deadline = time.monotonic() + 240
    while not all(_api(base, "GET", f"/users/{u}")["servers"].get("", {}).get("ready")
                  for u in USERS):
        assert time.monotonic() < deadline, "the servers did not become ready"
        time.sleep(1)

    async def room() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(_learner(base, u, n) for u, n in USERS.items())))

    seen = dict(zip(USERS, asyncio.run(room()), strict=True))
    ports = set()
    for user, scenario in USERS.items():
        mine = seen[user]
        copy = homes / user / COPY
        assert mine["code"] == 0, mine
        # Their own stack only, beside the CDK's bootstrap stack of their own local AWS.
        assert sorted(mine["stacks"]) == ["CDKToolkit", f"Work-{user}"], mine["stacks"]
        assert Path(mine["state"]) == copy / ".pitfalls"
        assert Path(mine["progress"]) == copy / ".pitfalls" / "progress.json"
        assert mine["passed"] == {f"{scenario:02d}": True}, mine["graded"]  # their attempt only
        ports.add(mine["endpoint"].rsplit(":", 1)[1])
        assert not list((copy / ".pitfalls" / "servers").glob("*.json"))  # stopped, unrecorded
    assert len(ports) == len(USERS)
