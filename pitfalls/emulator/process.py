"""Start, find and stop the emulator process: one background server on 127.0.0.1 per state file.

The state file (`emulator.json` in the learner's state directory, `pitfalls._env.state_dir`,
unless told otherwise) records pid, port and a random token. The server answers
`GET /_pitfalls/identity` with its pid and token, so `status` and `stop` act only on a process
that proves it is the one we started.

Every server started in another state directory (a notebook's own, in a temporary folder) is also
recorded in the learner's registry (`<state dir>/servers/`) with the process that started it, so
a kernel that died (restarted, killed) leaves nothing running: the next start, or
`stop_all()`, finds its servers again and stops them. The port is a free one the system picks on
127.0.0.1, so learners sharing a host never collide.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pitfalls import _env
from pitfalls._env import ROOT
from pitfalls.emulator.clock import CLOCK_ENV
from pitfalls.emulator.settings import endpoint_for

STATE_FILE = "emulator.json"
REGISTRY = "servers"  # in the learner's state directory: one record per notebook's server
HOST = "127.0.0.1"
PORT_BUSY_EXIT = 3  # the server's exit code when its port is taken
IDENTITY_PATH = "/_pitfalls/identity"
START_TIMEOUT = 60.0  # seconds; importing moto's CloudFormation takes a few on a slow machine

# Children started by this Python process, so `stop` can reap them (no zombies in a kernel).
_children: dict[int, subprocess.Popen[bytes]] = {}


class EmulatorError(Exception):
    """Something a learner can act on; the message is one line."""


@dataclass(frozen=True)
class Status:
    running: bool
    endpoint: str = ""
    port: int = 0
    pid: int = 0
    log: str = ""
    reused: bool = False  # start() found it already running

    def __str__(self) -> str:
        if not self.running:
            return "the local AWS is not running"
        return f"the local AWS is running (pid {self.pid}) at {self.endpoint}"


def state_dir_default() -> Path:
    """The learner's state directory (`.pitfalls/` in their copy, or $PITFALLS_STATE_DIR)."""
    return _env.state_dir()


def _state_path(state_dir: Path | None) -> Path:
    return Path(state_dir or state_dir_default()) / STATE_FILE


def _read_state(state_dir: Path | None) -> dict[str, object] | None:
    path = _state_path(state_dir)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _identity(port: int, timeout: float = 1.0) -> dict[str, object] | None:
    """What the server on `port` says it is, or None when nothing (or not ours) answers."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{IDENTITY_PATH}", timeout=timeout) as r:
            data = json.loads(r.read().decode())
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return data if isinstance(data, dict) and data.get("service") == "pitfalls-emulator" else None


def _is_ours(state: dict[str, object]) -> bool:
    ident = _identity(int(str(state.get("port", 0))))
    if ident is None:
        return False
    return ident.get("pid") == state.get("pid") and ident.get("token") == state.get("token")


def _status_from(state: dict[str, object], reused: bool = False) -> Status:
    port = int(str(state["port"]))
    return Status(True, endpoint_for(port), port, int(str(state["pid"])), str(state.get("log", "")),
                  reused)


def status(state_dir: Path | None = None) -> Status:
    """Whether our emulator runs, and where."""
    state = _read_state(state_dir)
    if state and _is_ours(state):
        return _status_from(state)
    return Status(False)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _last_line(path: Path) -> str:
    try:
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def start(port: int | None = None, state_dir: Path | None = None,
          clock: float | None = None) -> Status:
    """Start the emulator in the background (or find the running one) and wait until it answers.

    `clock`: configured seconds per real second (`pitfalls.emulator.clock`); None keeps
    $PITFALLS_EMULATOR_CLOCK, or real time."""
    reap()
    for attempt in range(3):
        try:
            return _start(port, state_dir, clock)
        except _PortTaken:
            # Between picking a free port and the server binding it, another learner's server
            # on this host took it: pick again.
            if port is not None or attempt == 2:
                raise EmulatorError("no free port on 127.0.0.1 stayed free long enough") from None
    raise AssertionError("unreachable")


class _PortTaken(EmulatorError):
    pass


def _start(port: int | None, state_dir: Path | None, clock: float | None) -> Status:
    current = status(state_dir)
    if current.running:
        if port is None or port == current.port:
            return Status(**{**current.__dict__, "reused": True})
        raise EmulatorError(
            f"the local AWS already runs on port {current.port}; stop it first "
            "(python -m pitfalls emulator stop)"
        )
    if port is not None:
        if not 1 <= port <= 65535:
            raise EmulatorError(f"port {port} is not a TCP port (1-65535)")
        if not port_is_free(port):
            raise EmulatorError(f"port {port} on {HOST} is busy; pick another with --port, "
                                "or leave --port out to use a free one")
    else:
        port = free_port()
    state_file = _state_path(state_dir)
    state_file.parent.mkdir(parents=True, exist_ok=True)
    log = state_file.parent / "emulator.log"  # the last run's log; each start overwrites it
    token = secrets.token_hex(8)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    if clock is not None:
        env[CLOCK_ENV] = str(clock)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pitfalls.emulator.server", "--port", str(port),
             "--token", token],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the CLI that started it; Ctrl-C does not reach it
        )
    _children[proc.pid] = proc
    state: dict[str, object] = {"pid": proc.pid, "port": port, "token": token, "log": str(log)}
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _children.pop(proc.pid, None)
            why = _last_line(log) or f"exit code {proc.returncode}"
            if proc.returncode == PORT_BUSY_EXIT:
                raise _PortTaken(why)
            raise EmulatorError(f"the local AWS did not start: {why}")
        if _is_ours(state):
            state_file.write_text(json.dumps(state, indent=2) + "\n")
            _register(state_file.parent, state)
            return _status_from(state)
        time.sleep(0.1)
    _terminate(proc.pid)
    raise EmulatorError(f"the local AWS did not answer within {START_TIMEOUT:.0f} s (log: {log})")


def pid_alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A process that has exited but not yet been reaped (a zombie: its parent, the CLI that
    # started it, is gone) still answers kill(pid, 0); it is not running.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        r = subprocess.run(["ps", "-p", str(pid), "-o", "stat="], capture_output=True,
                           text=True)
        return bool(r.stdout.strip()) and not r.stdout.strip().startswith("Z")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        r = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True,
                           text=True)
        return r.stdout.strip()


def _terminate(pid: int, grace: float = 5.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        child = _children.get(pid)
        if child is not None:
            child.wait(timeout=5)
    child = _children.pop(pid, None)
    if child is not None:
        child.wait(timeout=5)


def stop(state_dir: Path | None = None) -> bool:
    """Stop our emulator; True if one was stopped. Never signals a process that is not ours."""
    state = _read_state(state_dir)
    if not state:
        return False
    pid = int(str(state.get("pid", 0)))
    ours = _is_ours(state)
    if not ours and pid > 0 and pid_alive(pid):
        # It does not answer (hung?): fall back on its command line, which carries the token.
        cmd = _cmdline(pid)
        ours = "pitfalls.emulator.server" in cmd and str(state.get("token")) in cmd
    if ours and pid > 0:
        _terminate(pid)
    _state_path(state_dir).unlink(missing_ok=True)
    _unregister(pid)
    return ours


# --- the learner's registry of notebooks' servers ---------------------------------------------------

def _record_path(pid: int) -> Path:
    return _env.state_dir() / REGISTRY / f"{pid}.json"


def _register(where: Path, state: dict[str, object]) -> None:
    """Record a server started for this process (a notebook's kernel), unless it is the learner's
    own long-lived one (the default state directory, started by `python -m pitfalls emulator`)."""
    if where.resolve() == state_dir_default().resolve():
        return
    record = _record_path(int(str(state["pid"])))
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({**state, "state_dir": str(where), "owner": os.getpid()}) + "\n")


def _unregister(pid: int) -> None:
    record = _record_path(pid)
    record.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # the registry goes with its last record
        record.parent.rmdir()


def servers() -> list[dict[str, object]]:
    """The learner's recorded servers (each: pid, port, token, state_dir, owner)."""
    found = []
    for path in sorted((_env.state_dir() / REGISTRY).glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            continue
        if isinstance(data, dict) and "pid" in data:
            found.append(data)
    return found


def _stop_recorded(record: dict[str, object]) -> bool:
    pid = int(str(record.get("pid", 0)))
    ours = pid > 0 and _is_ours(record)
    if ours:
        _terminate(pid)
    folder = Path(str(record.get("state_dir", "")))
    if folder.is_absolute():  # the server's own files; the folder too once nothing else is in it
        for name in (STATE_FILE, "emulator.log"):
            (folder / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()
    _unregister(pid)
    return ours


def reap() -> int:
    """Stop the servers whose kernel is gone (a restart, a crash); how many were stopped."""
    return sum(_stop_recorded(r) for r in servers()
               if not pid_alive(int(str(r.get("owner", 0)))))


def stop_all() -> int:
    """Stop every server of this learner: the recorded ones and the long-lived one."""
    stopped = sum(_stop_recorded(r) for r in servers())
    return stopped + stop()


def require(state_dir: Path | None = None) -> Status:
    """The running emulator, or a one-line error that says how to start it."""
    st = status(state_dir)
    if not st.running:
        raise EmulatorError(
            "the local AWS is not running; start it with `python -m pitfalls emulator start`"
        )
    return st


@contextlib.contextmanager
def running(port: int | None = None, state_dir: Path | None = None,
            clock: float | None = None) -> Iterator[str]:
    """`with running() as endpoint:` an emulator for the block (stopped after, if we started it)."""
    st = start(port, state_dir, clock)
    try:
        yield st.endpoint
    finally:
        if not st.reused:
            stop(state_dir)
