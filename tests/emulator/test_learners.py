"""Two learners on one host (as on The Littlest JupyterHub): each has their own state directory,
progress file, CDK CLI cache and local AWS servers; a server left by a dead kernel is found again
and stopped; `reset --state` stops one learner's servers and nobody else's; nothing listens
beyond 127.0.0.1.

Each learner is a subprocess with its own HOME, USER and JUPYTERHUB_USER, using this one copy of
the repository (a copy shared by several learners, the case where collisions could happen).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pitfalls import _env
from pitfalls.emulator import process

ROOT = Path(__file__).resolve().parent.parent.parent

# One learner's kernel: where its state goes, a long-lived local AWS (`python -m pitfalls emulator
# start`) and a notebook's own one (LocalAWS-style, in a temporary folder), one graded attempt.
KERNEL = r"""
import json, os, sys, tempfile
from pathlib import Path
from pitfalls import _env
from pitfalls.emulator import process
from pitfalls.learner import progress

own = process.start()
notebook = process.start(state_dir=Path(tempfile.mkdtemp(prefix="pitfalls-test-nb-")) / "emulator")
progress.record(1, passed=sys.argv[1] == "pass")
print(json.dumps({"state": str(_env.state_dir()), "progress": str(progress.progress_file()),
                  "cdk_home": _env.tool_env()["CDK_HOME"], "own": [own.pid, own.port],
                  "notebook": [notebook.pid, notebook.port], "kernel": os.getpid()}))
"""


def learner_env(home: Path, name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in (_env.STATE_ENV, "PITFALLS_PROGRESS_FILE")}
    env.update(HOME=str(home), USER=name, LOGNAME=name, JUPYTERHUB_USER=name,
               PYTHONPATH=str(ROOT))
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=180)


def kernel(env: dict[str, str], outcome: str) -> dict[str, object]:
    r = run(env, "-c", KERNEL, outcome)
    assert r.returncode == 0, r.stderr[-2000:]
    return dict(json.loads(r.stdout.strip().splitlines()[-1]))


def listening(pid: int) -> list[str]:
    """The local addresses (hex, as /proc/net/tcp* writes them) that `pid` listens on."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                found.append(cols[1].split(":")[0])
    return found


LOOPBACK = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it (little-endian hex)


def test_listening_reads_a_socket_beyond_loopback() -> None:
    """The helper itself: a socket bound to every interface is seen as not 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        s.listen()
        assert listening(os.getpid()) == ["00000000"]


def test_state_dir_follows_the_learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_env.STATE_ENV, raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    assert _env.state_dir() == ROOT / ".pitfalls"  # one learner, their own copy
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    monkeypatch.setenv("HOME", str(tmp_path / "alice"))
    assert _env.state_dir() == tmp_path / "alice" / ".pitfalls"  # a copy outside their home
    monkeypatch.setenv("HOME", str(ROOT.parent))
    assert _env.state_dir() == ROOT / ".pitfalls"  # their copy, in their home
    monkeypatch.setenv(_env.STATE_ENV, str(tmp_path / "told"))
    assert _env.state_dir() == tmp_path / "told"
    assert _env.tool_env() == {"CDK_HOME": str(tmp_path / "told" / "cdk-home")}


@pytest.fixture
def learners(tmp_path: Path) -> Iterator[dict[str, dict[str, str]]]:
    envs = {name: learner_env(tmp_path / name, name) for name in ("alice", "bob")}
    for env in envs.values():
        Path(env["HOME"]).mkdir()
    yield envs
    for env in envs.values():  # whatever the test left: stop it (as the learner would)
        run(env, "-m", "pitfalls", "reset", "--state")


def test_two_learners_share_nothing(learners: dict[str, dict[str, str]]) -> None:
    alice, bob = (kernel(learners[n], o) for n, o in (("alice", "pass"), ("bob", "fail")))
    for key in ("state", "progress", "cdk_home"):
        assert alice[key] != bob[key], key
        assert str(alice[key]).startswith(learners["alice"]["HOME"]), key
    ports = [p for who in (alice, bob) for p in (who["own"][1], who["notebook"][1])]  # type: ignore[index]
    assert len(set(ports)) == 4
    pids = [p for who in (alice, bob) for p in (who["own"][0], who["notebook"][0])]  # type: ignore[index]
    for pid in pids:
        assert set(listening(pid)) == {LOOPBACK}, pid
    # Each learner's progress holds their own attempt only.
    assert json.loads(Path(str(alice["progress"])).read_text())["scenarios"]["01"]["passed"] is True
    assert json.loads(Path(str(bob["progress"])).read_text())["scenarios"]["01"]["passed"] is False

    # Each learner's status shows their own long-lived server.
    for who, env in ((alice, learners["alice"]), (bob, learners["bob"])):
        r = run(env, "-m", "pitfalls", "emulator", "status")
        assert f":{who['own'][1]}" in r.stdout, r.stdout  # type: ignore[index]

    # Alice's kernel died with its notebook's server running; her next kernel stops it, not Bob's.
    assert process.pid_alive(alice["notebook"][0])  # type: ignore[index]
    again = kernel(learners["alice"], "pass")
    assert not process.pid_alive(alice["notebook"][0])  # type: ignore[index]
    assert process.pid_alive(bob["notebook"][0])  # type: ignore[index]
    assert again["own"] == alice["own"]  # her long-lived server is found again, the same one

    # Alice resets her state: all her servers stop; Bob's keep running.
    r = run(learners["alice"], "-m", "pitfalls", "reset", "--state")
    assert r.returncode == 0 and "Stopped 2 local AWS server(s)" in r.stdout, r.stdout + r.stderr
    assert not process.pid_alive(again["own"][0])  # type: ignore[index]
    assert all(process.pid_alive(p) for p in (bob["own"][0], bob["notebook"][0]))  # type: ignore[index]


def test_a_port_taken_before_the_server_binds_it_is_picked_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another learner's server takes the free port between our pick and our bind: start again."""
    import socket

    real = process.free_port
    with socket.socket() as taken:
        taken.bind((process.HOST, 0))
        taken.listen()
        picks = iter([int(taken.getsockname()[1])])
        monkeypatch.setattr(process, "free_port", lambda: next(picks, None) or real())
        st = process.start(state_dir=tmp_path / "emulator")
        try:
            assert st.running and st.port != taken.getsockname()[1]
        finally:
            process.stop(tmp_path / "emulator")
