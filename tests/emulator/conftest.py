"""Fixtures of the emulator tests: our own emulator process, the test stack's assemblies, the CLI.

Every test session starts its own emulator (state under a temporary directory, so a learner's
running emulator is never touched) and stops it at the end; nothing is left running.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pitfalls import _env
from pitfalls.emulator import process
from pitfalls.emulator.deploy import bootstrap_local, local_env, run_cli
from pitfalls.emulator.verify import Clients, still_there

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@dataclass
class Run:
    code: int
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Emulator:
    endpoint: str
    state_dir: Path
    clients: Clients

    def cdk(self, *args: str, cwd: Path = ROOT) -> Run:
        """The real CDK CLI against this emulator; its output is kept, not printed."""
        run = Run(0)
        run.code = run_cli(list(args), local_env(self.endpoint), cwd, run.lines.append)
        return run

    def deploy(self, assembly: Path, *extra: str) -> Run:
        return self.cdk("deploy", "--app", str(assembly), "--all", "--require-approval", "never",
                        "--progress", "events", *extra)

    def template(self, assembly: Path, stack: str) -> dict[str, Any]:
        return json.loads((assembly / f"{stack}.template.json").read_text())


class _Synth:
    """The test stacks' synth, started once and early: it runs while the emulator starts."""

    proc: subprocess.Popen[str] | None = None
    out: Path | None = None

    @classmethod
    def begin(cls, factory: pytest.TempPathFactory) -> None:
        if cls.proc is not None:
            return
        cls.out = factory.mktemp("assemblies")
        _env.configure()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
            "PYTHONPATH", "")])}
        cls.proc = subprocess.Popen([sys.executable, str(HERE / "full_app.py"), str(cls.out)],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)

    @classmethod
    def result(cls) -> Path:
        assert cls.proc is not None and cls.out is not None
        _, err = cls.proc.communicate(timeout=300)
        assert cls.proc.returncode == 0, err[-3000:]
        return cls.out


@pytest.fixture(scope="session")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The test stacks, synthesized once per session (one jsii start for all of them)."""
    _Synth.begin(tmp_path_factory)
    out = _Synth.result()
    return {name: out / name for name in ("v1", "v2", "bad_type", "bad_property")}


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A bootstrapped emulator of our own for the whole session."""
    _Synth.begin(tmp_path_factory)  # synthesize meanwhile
    state = tmp_path_factory.mktemp("emulator-state")
    with process.running(state_dir=state) as endpoint:  # the notebooks' context manager
        lines: list[str] = []
        assert bootstrap_local(endpoint, lines.append) == 0, "\n".join(lines)
        yield Emulator(endpoint, state, Clients(endpoint))
    assert not process.status(state).running


def destroy_mismatches(c: Clients, destroyed: dict[str, Any]) -> tuple[list[str], list[str]]:
    """After a destroy: the resources whose survival does not match their DeletionPolicy (one
    line each), and the types of those still there. `destroyed` holds the template and the
    stack's resources from before the destroy."""
    template, resources = destroyed["template"], destroyed["resources"]
    exists = still_there(c, template, resources)
    assert set(exists) == set(resources)
    wrong, kept = [], []
    for logical, (rtype, _) in resources.items():
        retained = template["Resources"][logical].get("DeletionPolicy") in (
            "Retain", "RetainExceptOnCreate")
        if exists[logical] != retained:
            wrong.append(f"{logical} ({rtype}) exists={exists[logical]} retained={retained}")
        if exists[logical]:
            kept.append(rtype)
    return wrong, kept


# Credentials and a ~/.aws of the host's, as a learner's machine may have: what runs on the local
# AWS (builds, functions) must never see them.
HOST_SECRET_KEY_ID = "AKIAHOSTMACHINEKEY01"
HOST_SECRET = "host-secret-never-to-be-seen"


@pytest.fixture(scope="session")
def runtime_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clients]:
    """An emulator on the compressed clock (60: one configured minute per second), started with
    fake host credentials in its environment and its HOME, and builds' timeouts on the clock
    alone (no grace for real work: the timeout test takes seconds)."""
    state = tmp_path_factory.mktemp("runtime-state")
    home = tmp_path_factory.mktemp("host-home")
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {HOST_SECRET_KEY_ID}\n"
        f"aws_secret_access_key = {HOST_SECRET}\n")
    host = {"AWS_ACCESS_KEY_ID": HOST_SECRET_KEY_ID, "AWS_SECRET_ACCESS_KEY": HOST_SECRET,
            "AWS_PROFILE": "default", "HOME": str(home),
            "PITFALLS_EMULATOR_BUILD_GRACE_SECONDS": "0"}
    saved = {k: os.environ.get(k) for k in host}
    os.environ.update(host)
    try:
        st = process.start(state_dir=state, clock=60)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        yield Clients(st.endpoint)
    finally:
        process.stop(state)
    assert not process.status(state).running
