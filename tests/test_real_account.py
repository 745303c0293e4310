"""The real-account path, tested up to the point where it would call AWS: the CLI commands it
runs, the confirmation it asks for, and `cdk synth` for a concrete account and region."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pitfalls import _env
from pitfalls._env import ROOT, node_executable
from pitfalls.emulator import deploy
from pitfalls.emulator.process import EmulatorError


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, str]]]:
    """Every CLI run, recorded instead of made; the credentials say account 111122223333."""
    made: list[tuple[list[str], dict[str, str]]] = []

    def run_cli(args: list[str], env: dict[str, str], cwd: Path, say: Any = None) -> int:
        made.append((list(args), env))
        return 0

    monkeypatch.setattr(deploy, "run_cli", run_cli)
    monkeypatch.setattr(deploy, "aws_target", lambda *a, **k: ("111122223333", "eu-west-1"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://example.invalid")
    return made


def test_deploy_bootstraps_then_deploys_with_broadening_approval(calls: list[Any]) -> None:
    said: list[str] = []
    code = deploy.deploy_aws(None, ["PipelinePitfalls-dev"], ["stage=dev"], yes=True,
                             bootstrap=True, say=said.append,
                             parameters=["NotificationEmail=a@example.com"])
    assert code == 0
    assert said == ["Target: AWS account 111122223333, region eu-west-1. This creates real, "
                    "billable resources."]
    (boot, boot_env), (dep, dep_env) = calls
    assert boot == ["bootstrap", "aws://111122223333/eu-west-1"]
    assert dep == ["deploy", "PipelinePitfalls-dev", "--context", "stage=dev", "--parameters",
                   "NotificationEmail=a@example.com", "--require-approval", "broadening",
                   "--progress", "events"]
    # Never the emulator's endpoint, even when the shell still has one set.
    assert "AWS_ENDPOINT_URL" not in boot_env and "AWS_ENDPOINT_URL" not in dep_env


def test_without_yes_and_without_a_terminal_nothing_runs(calls: list[Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(EmulatorError, match="needs confirmation: add --yes"):
        deploy.deploy_aws(None, [], [], say=lambda _: None)
    assert calls == []


def test_a_wrong_account_typed_at_the_prompt_stops_it(calls: list[Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _: "999999999999")
    with pytest.raises(EmulatorError, match="not confirmed; nothing was deployed"):
        deploy.destroy_aws(None, [], [], say=lambda _: None)
    assert calls == []


def test_synth_for_a_concrete_account_and_region(tmp_path: Path) -> None:
    """What `cdk deploy` synthesizes for a real account: the stack bound to its environment."""
    node = node_executable()
    assert node, "no Node found: run make setup"
    _env.configure()  # jsii on the pinned Node, as deploy.run_cli does
    env = {k: v for k, v in os.environ.items() if k.startswith(("JSII_", "PYTHON"))}
    # No credentials at all: the CLI must not need AWS to synthesize. CDK_DEPLOY_* is how
    # app.py is told the target explicitly (the CLI sets CDK_DEFAULT_* from the profile).
    env.update({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CDK_DISABLE_VERSION_CHECK": "1",
                "CDK_DEPLOY_ACCOUNT": "111122223333", "CDK_DEPLOY_REGION": "eu-west-1"})
    r = subprocess.run([node, str(ROOT / "node_modules/aws-cdk/bin/cdk"), "synth", "--quiet",
                        "-o", str(tmp_path / "out")], cwd=ROOT, env=env, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    for stack in ("PipelinePitfalls-dev", "PipelinePitfalls-dev-App"):
        assert manifest["artifacts"][stack]["environment"] == "aws://111122223333/eu-west-1"


def test_deploy_takes_the_pipeline_stack_only(calls: list[Any]) -> None:
    """`python -m pitfalls deploy --target aws` with no --stack deploys the repository's
    pipeline stack; the application's is the pipeline's to deploy."""
    from pitfalls.cli import main

    assert main(["deploy", "--target", "aws", "--yes", "-c", "stage=test"]) == 0
    ((args, _),) = calls
    assert args[:2] == ["deploy", "PipelinePitfalls-test"]
    calls.clear()
    assert main(["destroy", "--target", "aws", "--yes"]) == 0
    ((args, _),) = calls
    assert args[:2] == ["destroy", "--all"]


def test_a_missing_profile_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with pytest.raises(EmulatorError, match=r"no-such-profile.*did not deploy to AWS"):
        deploy.aws_target()
