"""The CDK validation plugin: `npx cdk synth` of an app that registers PitfallsChecks reports the
same findings as `python -m pitfalls check cdk.out` on what it synthesized; an error fails the
synth, warnings do not (slow: the real CDK CLI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from pitfalls._env import node_executable
from pitfalls.checks.tools import OWN_PLUGIN

APP = """
import sys
sys.path[:0] = [{root!r}, {tests!r}]
import aws_cdk as cdk
from corpus import builder
from pitfalls.cdk_plugin import PitfallsChecks

app = cdk.App()
cdk.Validations.of(app).add_plugins(PitfallsChecks())
builder({name!r})(app, {broken!r})
app.synth()
"""


def plugin_findings(report: dict) -> set[tuple[str, str, str, str, str]]:  # type: ignore[type-arg]
    """(stack, check, resource, severity, message) of our plugin's violations in CDK's report."""
    out = set()
    for pr in report["pluginReports"]:
        if pr["pluginName"] != OWN_PLUGIN:
            continue
        for v in pr["violations"]:
            for c in v["violatingConstructs"]:
                cfn = c["cloudFormationResource"]
                stack = Path(cfn["templatePath"]).name.removesuffix(".template.json")
                out.add((stack, v["ruleName"], cfn["logicalId"], v["severity"], v["description"]))
    return out


@pytest.mark.parametrize(
    "name, broken, exit_code",
    [("cloudformation-deploy", "artifacts-http", 0), ("report-groups", "report-not-granted", 1),
     ("cdk-pipelines", "no-tests", 0)],
)
def test_synth_reports_what_the_checker_reports(
    tmp_path: Path, name: str, broken: str, exit_code: int
) -> None:
    (tmp_path / "app.py").write_text(APP.format(root=str(ROOT), tests=str(ROOT / "tests"),
                                                name=name, broken=broken))
    (tmp_path / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} app.py"}))
    node = node_executable()
    assert node, "no Node found: run make setup"
    env = {**os.environ, "JSII_NODE": node}
    out = tmp_path / "cdk.out"
    synth = subprocess.run(
        [node, str(ROOT / "node_modules/aws-cdk/bin/cdk"), "synth", "--quiet", "-o", str(out)],
        cwd=tmp_path, capture_output=True, text=True, env=env,
    )
    assert synth.returncode == exit_code, synth.stderr[-2000:]
    assert f"({OWN_PLUGIN})" in synth.stderr  # the findings are in CDK's printed report
    at_synth = plugin_findings(json.loads((out / "validation-report.json").read_text()))
    check = subprocess.run([sys.executable, "-m", "pitfalls", "check", "--format", "json", str(out)],
                           capture_output=True, text=True, cwd=ROOT)
    assert check.returncode == 1, check.stderr
    by_checker = {(f["stack"], f["check"], f["resource"], f["severity"], f["message"])
                  for f in json.loads(check.stdout) if f["tool"] == "pitfalls"}
    assert at_synth and at_synth == by_checker
