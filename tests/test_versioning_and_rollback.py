"""Scenario 08: the deploy step's AppSpec is what CodeDeploy expects for a Lambda deployment."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from pitfalls import _env
from pitfalls.evidence.synth import synth_app
from solutions.pipeline import PipelineStack


def _deploy_commands() -> list[str]:
    r = synth_app(lambda app: PipelineStack(app, "P"), nag=False)["P"]
    projects = r.resources("AWS::CodeBuild::Project")
    deploy = next(p for lid, p in projects.items() if lid.startswith("DeployProject"))
    spec = json.loads(deploy["Properties"]["Source"]["BuildSpec"])
    return spec["phases"]["build"]["commands"]


def test_deploy_step_writes_a_lambda_appspec(tmp_path: Path) -> None:
    """Run the command that writes deployment.json, with the pinned Node, and read the AppSpec back."""
    (command,) = [c for c in _deploy_commands() if "deployment.json" in c and "node -e" in c]
    node_dir = str(Path(_env.node_executable() or "node").parent)
    env = {
        **os.environ,
        "PATH": node_dir + os.pathsep + os.environ.get("PATH", ""),
        "FUNCTION_NAME": "app-fn",
        "ALIAS_NAME": "live",
        "CURRENT_VERSION": "3",
        "TARGET_VERSION": "4",
        "APPLICATION_NAME": "app",
        "DEPLOYMENT_GROUP_NAME": "group",
        "PRE_TRAFFIC_HOOK": "",
    }
    subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, check=True)
    request = json.loads((tmp_path / "deployment.json").read_text())
    assert (request["applicationName"], request["deploymentGroupName"]) == ("app", "group")
    revision = request["revision"]
    assert revision["revisionType"] == "AppSpecContent"
    content = revision["appSpecContent"]["content"]
    assert '"version": 0.0' in content  # AppSpec version must read 0.0
    (resource,) = json.loads(content)["Resources"]
    (props,) = [r["Properties"] for r in resource.values()]
    assert resource[next(iter(resource))]["Type"] == "AWS::Lambda::Function"
    assert props == {"Name": "app-fn", "Alias": "live", "CurrentVersion": "3", "TargetVersion": "4"}


def test_deploy_step_waits_for_codedeploy() -> None:
    text = "\n".join(_deploy_commands())
    assert "aws deploy create-deployment" in text and "aws deploy wait deployment-successful" in text
    assert "SOURCE_VERSION_ID" in text  # each version records the source upload it came from
