"""The JavaScript and shell of scenario 14's solution, run on this machine with the course's Node.

The pre-traffic hook runs against stand-ins for the two AWS SDK clients (small modules written
here), so its decisions are tested without AWS: which version it invokes, and what it reports.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pitfalls import _env
from pitfalls.evidence.localrun import run_commands
from solutions.deployment_validation import PRE_TRAFFIC_HOOK_CODE, SMOKE_TEST_CHECK

NODE = _env.node_executable()
pytestmark = pytest.mark.skipif(NODE is None, reason="no Node")

CODEDEPLOY_STUB = """
class CodeDeployClient { async send(cmd) { return cmd.respond(); } }
class GetDeploymentCommand {
  constructor(input) { this.input = input; }
  respond() {
    const revision = { revisionType: "AppSpecContent", appSpecContent: { sha256: "abc" } };
    return { deploymentInfo: { applicationName: "app", revision } };
  }
}
class GetApplicationRevisionCommand {
  constructor(input) { this.input = input; }
  respond() { return { revision: { appSpecContent: { content: globalThis.scenario.appspec } } }; }
}
class PutLifecycleEventHookExecutionStatusCommand {
  constructor(input) { this.input = input; }
  respond() { globalThis.reported = this.input; return {}; }
}
module.exports = {
  CodeDeployClient, GetDeploymentCommand, GetApplicationRevisionCommand,
  PutLifecycleEventHookExecutionStatusCommand,
};
"""
LAMBDA_STUB = """
class LambdaClient { async send(cmd) { globalThis.invoked = cmd.input; return globalThis.scenario.invoke; } }
class InvokeCommand { constructor(input) { this.input = input; } }
module.exports = { LambdaClient, InvokeCommand };
"""
DRIVER = """
globalThis.scenario = JSON.parse(process.argv[2]);
const { handler } = require("./index.js");
handler({ DeploymentId: "d-1", LifecycleEventHookExecutionId: "h-1" }).then((status) => {
  console.log(JSON.stringify({ status, reported: globalThis.reported, invoked: globalThis.invoked ?? null }));
});
"""


def payload(body: dict[str, object]) -> list[int]:
    return list(json.dumps(body).encode())


def run_hook(tmp_path: Path, appspec: str, invoke: dict[str, object]) -> dict[str, object]:
    for name, code in (("client-codedeploy", CODEDEPLOY_STUB), ("client-lambda", LAMBDA_STUB)):
        module = tmp_path / "node_modules" / "@aws-sdk" / name
        module.mkdir(parents=True, exist_ok=True)
        (module / "index.js").write_text(code)
    (tmp_path / "index.js").write_text(PRE_TRAFFIC_HOOK_CODE)
    (tmp_path / "driver.js").write_text(DRIVER)
    scenario = json.dumps({"appspec": appspec, "invoke": invoke})
    out = subprocess.run(
        [str(NODE), "driver.js", scenario], cwd=tmp_path, capture_output=True, text=True, check=True,
        env={"FUNCTION_NAME": "app-fn", "HEALTH_EVENT": '{"rawPath": "/health"}', "PATH": ""},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


APPSPEC = json.dumps({"version": 0.0, "Resources": [{"app": {"Type": "AWS::Lambda::Function",
    "Properties": {"Name": "app-fn", "Alias": "live", "CurrentVersion": "6", "TargetVersion": "7"}}}]})
HEALTHY = {"StatusCode": 200, "Payload": payload({"statusCode": 200, "body": json.dumps({"ok": True})})}


def test_hook_invokes_the_target_version_and_reports_success(tmp_path: Path) -> None:
    result = run_hook(tmp_path, APPSPEC, HEALTHY)
    assert result["status"] == "Succeeded"
    invoked: dict[str, str] = result["invoked"]  # type: ignore[assignment]
    assert (invoked["FunctionName"], invoked["Qualifier"]) == ("app-fn", "7")
    assert result["reported"] == {
        "deploymentId": "d-1", "lifecycleEventHookExecutionId": "h-1", "status": "Succeeded",
    }


@pytest.mark.parametrize(
    "invoke",
    [
        {"StatusCode": 200, "Payload": payload({"statusCode": 500, "body": "{}"})},
        {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": payload({"errorType": "Error"})},
    ],
    ids=["answers-500", "throws"],
)
def test_hook_reports_failure_when_the_new_version_is_unhealthy(
    tmp_path: Path, invoke: dict[str, object]
) -> None:
    assert run_hook(tmp_path, APPSPEC, invoke)["reported"]["status"] == "Failed"  # type: ignore[index]


def test_hook_fails_closed_when_it_cannot_find_the_version(tmp_path: Path) -> None:
    result = run_hook(tmp_path, "version: 0.0\n", HEALTHY)
    assert result["reported"]["status"] == "Failed" and result["invoked"] is None  # type: ignore[index]


def test_hook_reads_a_version_arn_in_a_yaml_appspec(tmp_path: Path) -> None:
    appspec = (
        "Resources:\n  - app:\n      Properties:\n"
        "        TargetVersion: arn:aws:lambda:eu-west-1:1:function:app-fn:12\n"
    )
    assert run_hook(tmp_path, appspec, HEALTHY)["invoked"]["Qualifier"] == "12"  # type: ignore[index]


def test_the_smoke_test_runs_on_aws_cli_v1_and_v2() -> None:
    """The payload is a file read as bytes (fileb://), which AWS CLI v1 (the local builds') and
    v2 (CodeBuild's images) read alike; v2's --cli-binary-format would stop v1."""
    from aws_cdk import Stack

    from solutions.deployment_validation import build_spec_for_smoke_test

    spec = json.dumps(Stack().resolve(build_spec_for_smoke_test().to_build_spec()))
    assert "fileb://event.json" in spec and "--cli-binary-format" not in spec


@pytest.mark.parametrize(
    ("response", "passes"),
    [
        ({"statusCode": 200, "body": json.dumps({"ok": True})}, True),
        ({"statusCode": 500, "body": json.dumps({"ok": False})}, False),
        ({"errorType": "Runtime.ImportModuleError", "errorMessage": "Cannot find module"}, False),
    ],
)
def test_smoke_test_check_fails_on_a_bad_answer(
    tmp_path: Path, response: dict[str, object], passes: bool
) -> None:
    (tmp_path / "response.json").write_text(json.dumps(response))
    assert run_commands([SMOKE_TEST_CHECK], tmp_path).passed is passes


def test_the_validated_pipeline_has_no_findings_of_ours() -> None:
    """Precision: the exercise harness with the solution (pipeline, CodeDeploy deploy, hook,
    alarms, smoke test after the deploy) is clean for the checks of scenarios 13 and 14 and
    for cfn-lint. (The harness leaves out other scenarios' parts, such as failure alerts.)"""
    from pitfalls.checks import run_checks
    from pitfalls.checks.tools import cfn_lint_findings
    from pitfalls.learner.exercise import synth_in_harness
    from pitfalls.templates import Template
    from solutions.deployment_validation import ValidatedDeployment

    template = Template(synth_in_harness(14, ValidatedDeployment, nag=False).template)
    assert [f for f in run_checks(template) if f.scenario in (13, 14)] == []
    assert cfn_lint_findings(template) == []
