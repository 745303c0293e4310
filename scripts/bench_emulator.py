#!/usr/bin/env python3
"""Time the local AWS on the full stack: start, bootstrap, deploy, verify, update, destroy.

    python scripts/bench_emulator.py             # the test stack
    python scripts/bench_emulator.py --pipeline  # the real full pipeline (app.py)
    python scripts/bench_emulator.py --execution # one execution of it, stage by stage
    python scripts/bench_emulator.py --runtime   # builds, invocations, a canary release

Uses the test stack of tests/emulator/full_app.py (the full pipeline plus everything the later
scenarios add, 52 resources of 25 types), its own emulator (stopped at the end) and the real CDK
CLI. Goals: deploy + verify + destroy <= 15 s, update <= 5 s.

`--execution` times an execution of the real full pipeline, stage by stage, from an upload of
the repository's source archive (what notebook 15 uploads) to its source bucket: the rule on the
trail's record starts it, and its Deploy stage creates the application stack.

`--pipeline` times the real pipeline stack instead: app.py synthesized by the CDK CLI (cdk.json's
stage), the pipeline stack deployed with `--parameters NotificationEmail=...`, updated with
another address (the email subscription is replaced), verified after each, read back property by
property, destroyed. The application stack is the pipeline's to deploy (`--execution`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pitfalls import _env  # noqa: E402
from pitfalls.emulator import process  # noqa: E402
from pitfalls.emulator.deploy import bootstrap_local, local_env, run_cli  # noqa: E402
from pitfalls.emulator.verify import Clients, stack_resources, verify_stack  # noqa: E402
from pitfalls.evidence.readback import taught_properties  # noqa: E402
from pitfalls.evidence.release import SourceTree  # noqa: E402

STACK = "PitfallsFull"


def timed(label: str, times: dict[str, float], fn: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    result = fn()
    times[label] = time.perf_counter() - t0
    print(f"{label:<10} {times[label]:6.2f} s", flush=True)
    return result


def cli_runner(endpoint: str, out: list[str], failed: list[str]) -> Callable[..., None]:
    """Runs the CDK CLI against the emulator; a command whose exit status is not the expected
    one goes to `failed`, with the end of its output on stderr."""

    def cli(*args: str, fails: bool = False) -> None:
        if (run_cli(list(args), local_env(endpoint), ROOT, out.append) != 0) != fails:
            failed.append(" ".join(args[:3]))
            print("\n".join(out[-30:]), file=sys.stderr)

    return cli


def main_pipeline() -> int:
    _env.configure()
    times: dict[str, float] = {}
    work = Path(tempfile.mkdtemp(prefix="pitfalls-bench-pipeline-"))
    state, assembly, stack = work / "state", work / "cdk.out", "PipelinePitfalls-dev"
    st = timed("start", times, lambda: process.start(state_dir=state))
    out: list[str] = []
    failed: list[str] = []
    cli = cli_runner(st.endpoint, out, failed)

    def verify() -> None:
        template = json.loads((assembly / f"{stack}.template.json").read_text())
        report = verify_stack(st.endpoint, stack, template)
        if report.problems:
            failed.append("verify")
            print("\n".join(report.problems), file=sys.stderr)
        print(f"           {len(report.checked)} resources read back", flush=True)

    deploy = ("deploy", "--app", str(assembly), stack, "--require-approval", "never",
              "--progress", "events", "--parameters")
    try:
        timed("bootstrap", times, lambda: bootstrap_local(st.endpoint, out.append))
        timed("synth", times, lambda: cli("synth", "--output", str(assembly), "--quiet"))
        timed("deploy", times, lambda: cli(*deploy, "NotificationEmail=team@example.com"))
        timed("verify", times, verify)
        timed("update", times, lambda: cli(*deploy, "NotificationEmail=oncall@example.com"))
        timed("verify2", times, verify)
        timed("readback", times, lambda: taught_properties(Clients(st.endpoint), stack))
        timed("destroy", times, lambda: cli("destroy", "--app", str(assembly), stack, "--force"))
    finally:
        timed("stop", times, lambda: process.stop(state))
    if failed:
        print(f"FAILED: {failed}", file=sys.stderr)
        return 1
    return 0


def _zip(files: dict[str, str]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


def _until(check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise SystemExit("timed out")


def main_runtime() -> int:
    """What runs here, at PITFALLS_EMULATOR_CLOCK=60: a build's start latency (StartBuild to
    its first command) and total time, invocation latency cold and warm, a canary release
    (LambdaCanary10Percent5Minutes: 5 s of shift) from CreateDeployment to Succeeded."""
    times: dict[str, float] = {}
    state = Path(tempfile.mkdtemp(prefix="pitfalls-bench-runtime-"))
    with process.running(state_dir=state, clock=60) as endpoint:
        c = Clients(endpoint)
        role = c.iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        spec = "version: 0.2\nphases:\n  build:\n    commands: [echo first-command]\n"
        c.codebuild.create_project(
            name="bench", source={"type": "NO_SOURCE", "location": "none", "buildspec": spec},
            artifacts={"type": "NO_ARTIFACTS"}, serviceRole=role,
            environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                         "computeType": "BUILD_GENERAL1_SMALL"})
        for run in ("build 1", "build 2"):
            t0 = time.perf_counter()
            build_id = c.codebuild.start_build(projectName="bench")["build"]["id"]

            def first_line() -> bool:
                streams = c.logs.describe_log_streams(logGroupName="/aws/codebuild/bench")
                return any(e["message"] == "first-command" for s in streams["logStreams"]
                           for e in c.logs.get_log_events(
                               logGroupName="/aws/codebuild/bench",
                               logStreamName=s["logStreamName"])["events"])
            if run == "build 1":
                _until(first_line)
                times["build start"] = time.perf_counter() - t0
                print(f"{'build start':<14} {times['build start']:6.3f} s (to the first command's "
                      "output in CloudWatch Logs)", flush=True)
            _until(lambda b=build_id: c.codebuild.batch_get_builds(ids=[b])["builds"][0][
                "buildComplete"])
            times[run] = time.perf_counter() - t0
            print(f"{run:<14} {times[run]:6.3f} s (StartBuild to complete)", flush=True)
        code = _zip({"index.mjs": "export const handler = async (e) => ({ ok: true, e });"})
        c.awslambda.create_function(FunctionName="bench", Runtime="nodejs24.x", Role=role,
                                    Handler="index.handler", Code={"ZipFile": code},
                                    Publish=True)
        warm: list[float] = []
        for i in range(21):
            t0 = time.perf_counter()
            c.awslambda.invoke(FunctionName="bench", Payload=b"{}")
            (warm.append(time.perf_counter() - t0) if i else
             times.__setitem__("invoke cold", time.perf_counter() - t0))
        times["invoke warm"] = sorted(warm)[len(warm) // 2]
        print(f"{'invoke cold':<14} {times['invoke cold']:6.3f} s", flush=True)
        print(f"{'invoke warm':<14} {times['invoke warm']:6.3f} s (median of 20)", flush=True)
        c.awslambda.update_function_code(FunctionName="bench", ZipFile=_zip(
            {"index.mjs": "export const handler = async () => 2;"}))
        c.awslambda.publish_version(FunctionName="bench")
        c.awslambda.create_alias(FunctionName="bench", Name="live", FunctionVersion="1")
        c.codedeploy.create_application(applicationName="bench", computePlatform="Lambda")
        c.codedeploy.create_deployment_group(
            applicationName="bench", deploymentGroupName="bench", serviceRoleArn=role,
            deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes")
        appspec = json.dumps({"version": 0.0, "Resources": [{"fn": {
            "Type": "AWS::Lambda::Function", "Properties": {
                "Name": "bench", "Alias": "live", "CurrentVersion": "1", "TargetVersion": "2"}}}]})
        t0 = time.perf_counter()
        deployment = c.codedeploy.create_deployment(
            applicationName="bench", deploymentGroupName="bench",
            revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec}})
        _until(lambda: c.codedeploy.get_deployment(deploymentId=deployment["deploymentId"])[
            "deploymentInfo"]["status"] == "Succeeded")
        times["canary"] = time.perf_counter() - t0
        print(f"{'canary':<14} {times['canary']:6.3f} s (5 configured minutes at clock 60 = 5 s)",
              flush=True)
    shutil.rmtree(state, ignore_errors=True)
    return 0


def main_execution() -> int:
    """The course's pipeline (app.py) executing on the local AWS from an upload of the
    repository's source archive to its source bucket: the wall time of each stage (its first
    action's start to its last action's end, from ListActionExecutions) and of the execution."""
    _env.configure()
    times: dict[str, float] = {}
    work = Path(tempfile.mkdtemp(prefix="pitfalls-bench-execution-"))
    state, assembly, stack = work / "state", work / "cdk.out", "PipelinePitfalls-dev"
    out: list[str] = []
    failed: list[str] = []
    with process.running(state_dir=state) as endpoint:
        cli = cli_runner(endpoint, out, failed)
        timed("bootstrap", times, lambda: bootstrap_local(endpoint, out.append))
        timed("deploy", times, lambda: cli(
            "deploy", stack, "--require-approval", "never", "--progress", "events",
            "--output", str(assembly), "--parameters", "NotificationEmail=team@example.com"))
        c = Clients(endpoint)
        physical = {lid: p for lid, (_, p) in stack_resources(c, stack).items()}
        pipeline = next(p for lid, p in physical.items() if lid.startswith("DeliveryPipelineE8"))
        bucket = next(p for lid, p in physical.items() if lid.startswith("SourceBucket6F"))

        def runs() -> list[dict[str, Any]]:
            return list(c.codepipeline.list_pipeline_executions(pipelineName=pipeline)[
                "pipelineExecutionSummaries"])

        def ended(count: int) -> bool:
            found = runs()
            return len(found) >= count and found[0]["status"] != "InProgress"

        _until(lambda: ended(1))  # the execution CreatePipeline started
        t0 = time.perf_counter()
        tree = SourceTree.from_repository()
        try:
            c.s3.put_object(Bucket=bucket, Key="source.zip", Body=tree.archive())
        finally:
            tree.remove()
        _until(lambda: ended(2), timeout=600)
        times["execution"] = time.perf_counter() - t0
        run = runs()[0]
        details = c.codepipeline.list_action_executions(pipelineName=pipeline, filter={
            "pipelineExecutionId": run["pipelineExecutionId"]})["actionExecutionDetails"]
        stages: dict[str, list[Any]] = {}
        for d in details:
            stages.setdefault(d["stageName"], []).append(d)
        for name, found in sorted(stages.items(), key=lambda kv: min(
                d["startTime"] for d in kv[1])):
            took = (max(d["lastUpdateTime"] for d in found)
                    - min(d["startTime"] for d in found)).total_seconds()
            states = ", ".join(f"{d['actionName']} {d['status']}" for d in found)
            print(f"  stage {name:<14} {took:6.2f} s  ({states})", flush=True)
        print(f"{'execution':<10} {times['execution']:6.2f} s from the upload to "
              f"{run['status']} (trigger {run['trigger']['triggerType']})", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def main() -> int:
    if "--pipeline" in sys.argv[1:]:
        return main_pipeline()
    if "--execution" in sys.argv[1:]:
        return main_execution()
    if "--runtime" in sys.argv[1:]:
        return main_runtime()
    _env.configure()
    times: dict[str, float] = {}
    work = Path(tempfile.mkdtemp(prefix="pitfalls-bench-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    timed("synth", times, lambda: subprocess.run(
        [sys.executable, str(ROOT / "tests" / "emulator" / "full_app.py"), str(work)], env=env,
        check=True, capture_output=True))
    state = work / "state"
    st = timed("start", times, lambda: process.start(state_dir=state))
    out: list[str] = []
    failed: list[str] = []
    cli = cli_runner(st.endpoint, out, failed)

    def verify(version: str) -> None:
        template = json.loads((work / version / f"{STACK}.template.json").read_text())
        report = verify_stack(st.endpoint, STACK, template)
        if report.problems:
            failed.append(f"verify {version}")
            print("\n".join(report.problems), file=sys.stderr)

    deploy = ("deploy", "--all", "--require-approval", "never", "--progress", "events")
    try:
        timed("bootstrap", times, lambda: bootstrap_local(st.endpoint, out.append))
        timed("deploy", times, lambda: cli(deploy[0], "--app", str(work / "v1"), *deploy[1:]))
        timed("verify", times, lambda: verify("v1"))
        timed("update", times, lambda: cli(deploy[0], "--app", str(work / "v2"), *deploy[1:]))
        timed("verify2", times, lambda: verify("v2"))
        timed("destroy", times, lambda: cli("destroy", "--app", str(work / "v2"), "--all",
                                            "--force"))
    finally:
        timed("stop", times, lambda: process.stop(state))
    total = times["deploy"] + times["verify"] + times["destroy"]
    print(f"\ndeploy + verify + destroy = {total:.2f} s (goal <= 15 s): "
          f"{'ok' if total <= 15 else 'MISSED'}")
    print(f"update = {times['update']:.2f} s (goal <= 5 s): "
          f"{'ok' if times['update'] <= 5 else 'MISSED'}")
    if failed:
        print(f"FAILED: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
