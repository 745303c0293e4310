"""`python -m pitfalls emulator start|status|stop`, busy ports, and a stopped emulator.

The commands run as a learner runs them (subprocesses), with PITFALLS_STATE_DIR pointing at a
temporary directory so a learner's own emulator is never touched.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError

from pitfalls.emulator import process
from pitfalls.emulator.verify import Clients

ROOT = Path(__file__).resolve().parents[2]


def pitfalls(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PITFALLS_STATE_DIR": str(state),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "pitfalls", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    process.stop(tmp_path)  # whatever a failing test left running


def _one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_start_twice_status_and_stop(state: Path) -> None:
    first = pitfalls(state, "emulator", "start")
    assert first.returncode == 0, first.stderr
    endpoint = first.stdout.strip().splitlines()[-1]
    assert endpoint.startswith("http://localhost:")
    pid = process.status(state).pid

    second = pitfalls(state, "emulator", "start")
    assert second.returncode == 0
    assert second.stdout.strip().splitlines()[-1] == endpoint
    assert "Reusing" in second.stdout
    assert process.status(state).pid == pid

    status = pitfalls(state, "emulator", "status")
    # One line that names the endpoint once (it used to print the URL a second time).
    assert status.returncode == 0
    assert status.stdout == f"the local AWS is running (pid {pid}) at {endpoint}\n"
    Clients(endpoint).sqs.list_queues()  # it answers AWS calls

    stop = pitfalls(state, "emulator", "stop")
    assert stop.returncode == 0 and "Stopped" in stop.stdout
    assert not process.status(state).running
    assert not process.pid_alive(pid)

    again = pitfalls(state, "emulator", "status")
    assert again.returncode == 1 and "not running" in again.stdout
    assert "was not running" in pitfalls(state, "emulator", "stop").stdout


def test_busy_port_is_one_clear_line(state: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        line = _one_line_error(pitfalls(state, "emulator", "start", "--port", str(port)))
    assert f"port {port}" in line and "busy" in line
    assert not process.status(state).running


def test_stop_never_signals_a_process_that_is_not_ours(state: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (state / "emulator.json").write_text(
            f'{{"pid": {sleeper.pid}, "port": 1, "token": "not-it"}}')
        assert pitfalls(state, "emulator", "stop").returncode == 0
        assert sleeper.poll() is None  # still alive
    finally:
        sleeper.kill()
        sleeper.wait()


def test_calls_to_a_stopped_emulator_fail_clearly(state: Path, tmp_path: Path) -> None:
    line = _one_line_error(pitfalls(state, "destroy", "--app", str(ROOT)))
    assert "not running" in line and "emulator start" in line
    with pytest.raises(process.EmulatorError, match="not running"):
        process.require(state)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(EndpointConnectionError):
        Clients(f"http://localhost:{port}").sqs.list_queues()


def test_bad_app_directory_is_one_clear_line(state: Path, tmp_path: Path) -> None:
    line = _one_line_error(pitfalls(state, "deploy", "--app", str(tmp_path / "nowhere")))
    assert "not a directory" in line
    assert not process.status(state).running  # nothing was started for a bad request


def test_aws_target_refuses_the_emulators_fake_credentials(state: Path) -> None:
    env_keys = {"AWS_ACCESS_KEY_ID": "pitfalls-local-emulator", "AWS_SECRET_ACCESS_KEY": "x",
                "AWS_REGION": "us-east-1"}
    old = {k: os.environ.get(k) for k in env_keys}
    os.environ.update(env_keys)
    try:
        line = _one_line_error(pitfalls(state, "deploy", "--target", "aws", "--yes"))
        verify_line = _one_line_error(pitfalls(state, "verify", "--target", "aws"))
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert "fake" in line
    assert "fake" in verify_line


def test_verify_without_a_running_emulator_says_how_to_start_it(state: Path) -> None:
    assert "python -m pitfalls emulator start" in _one_line_error(pitfalls(state, "verify"))


def test_check_stays_import_light() -> None:
    code = ("import sys; from pitfalls.cli import build_parser; build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('moto', 'boto3')))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
