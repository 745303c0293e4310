"""The root app: `cdk synth` with the pinned CLI works from the repository root and writes both
stacks (the pipeline's and the application's), and the course's own checker finds nothing wrong
in either."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT

from pitfalls._env import node_executable
from pitfalls.evidence.node import node_version
from pitfalls.learner import doctor


def test_cli_synth_from_root_is_clean(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    node = node_executable()
    assert node, "no Node found: run make setup"
    # As from a learner's shell: no JSII_NODE, and possibly another `node` first on PATH.
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # not the pinned Node's directory
    synth = subprocess.run(
        [node, str(ROOT / "node_modules/aws-cdk/bin/cdk"), "synth", "--quiet", "-o", str(out)],
        cwd=ROOT, capture_output=True, text=True, env=env,
    )
    assert synth.returncode == 0, synth.stderr[-2000:]
    # jsii runs on the pinned Node (scripts/cdk_app.sh), not on one from PATH. Its banner may
    # still appear, about the pinned Node itself, on a day past that release's end of life:
    # the day doctor lists it as moved since the course's date.
    if "This software is currently running on node" in synth.stderr:
        assert f"running on node {node_version()}." in synth.stderr, synth.stderr[-600:]
        assert doctor.installed_node_moves(date.today()), "a banner on a day nothing moved"
    assert (out / "PipelinePitfalls-dev.template.json").exists()
    app = json.loads((out / "PipelinePitfalls-dev-App.template.json").read_text())
    # Only the pipeline deploys it: its code is two parameters the pipeline's Deploy action sets.
    assert {"CodeBucket", "CodeKey", "LogsKeyArn", "AlertsTopicArn"} <= set(app["Parameters"])
    assert "Rules" not in app  # no bootstrap version check: it has no assets to publish
    check = subprocess.run(
        [sys.executable, "-m", "pitfalls", "check", "--as-of", "course", str(out), "--cfn-lint"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No findings." in check.stdout


def test_the_pipelines_synth_names_the_upload(tmp_path: Path) -> None:
    """The Synth action's command (build_spec_for_synth), as it runs in CodeBuild: the
    application stack alone is written, with the source version in the function's description,
    cdk-nag on."""
    node = node_executable()
    assert node
    r = subprocess.run(
        [node, str(ROOT / "node_modules/aws-cdk/bin/cdk"), "synth", "PipelinePitfalls-dev-App",
         "--quiet", "-c", "nag=true", "-c", "sourceVersion=v-42", "-o", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    app = json.loads((tmp_path / "out" / "PipelinePitfalls-dev-App.template.json").read_text())
    (fn,) = [b for b in app["Resources"].values() if b["Type"] == "AWS::Lambda::Function"
             and b["Properties"].get("FunctionName") == "pipeline-pitfalls-dev-app"]
    assert fn["Properties"]["Description"].endswith("from source version v-42")


def test_stage_from_context(tmp_path: Path) -> None:
    node = node_executable()
    assert node
    r = subprocess.run(
        [node, str(ROOT / "node_modules/aws-cdk/bin/cdk"), "synth", "--quiet", "-c", "stage=prod",
         "-o", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "out" / "PipelinePitfalls-prod.template.json").exists()


def test_invalid_stage_stops_the_synth_with_one_line(tmp_path: Path) -> None:
    node = node_executable()
    assert node
    r = subprocess.run(
        [node, str(ROOT / "node_modules/aws-cdk/bin/cdk"), "synth", "--quiet", "-c", "stage=prd",
         "-o", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert r.returncode != 0
    assert "app.py: stage 'prd' is not one of dev, test, prod" in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_synth_in_a_clean_checkout(tmp_path: Path) -> None:
    """Only the tracked files (no .venv, node_modules or cdk.out): cdk.json's app still runs,
    with the active interpreter, as on Binder or in a conda environment."""
    import shutil

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True,
                           ).stdout.decode().split("\0")
    clean = tmp_path / "checkout"
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (clean / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clean / name)
    assert not (clean / ".venv").exists() and not (clean / "node_modules").exists()
    node = node_executable()
    assert node
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    r = subprocess.run([node, str(ROOT / "node_modules/aws-cdk/bin/cdk"), "synth", "--quiet"],
                       cwd=clean, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    template = clean / "cdk.out" / "PipelinePitfalls-dev.template.json"
    assert template.exists()
    check = subprocess.run([sys.executable, "-m", "pitfalls", "check", "--as-of", "course",
                            str(clean / "cdk.out")], capture_output=True, text=True, cwd=ROOT)
    assert check.returncode == 0, check.stdout + check.stderr
