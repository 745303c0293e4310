#!/usr/bin/env python3
"""Time the local AWS on the full stack: start, bootstrap, deploy, verify, update, destroy.

    python scripts/bench_emulator.py             # the test stack
    python scripts/bench_emulator.py --pipeline  # the real full pipeline (app.py)

Uses the test stack of tests/emulator/full_app.py (the full pipeline plus everything the later
scenarios add, 52 resources of 25 types), its own emulator (stopped at the end) and the real CDK
CLI. Goals: deploy + verify + destroy <= 15 s, update <= 5 s.

`--pipeline` times the real full pipeline instead: app.py synthesized by the CDK CLI (cdk.json's
stage), deployed with `--parameters NotificationEmail=...`, updated with another address (the
email subscription is replaced), verified after each, read back property by property, a release
of changed code (`-c appSource=DIR`) and a bad release stopped by its alarm, destroyed.
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

    deploy = ("deploy", "--app", str(assembly), "--all", "--require-approval", "never",
              "--progress", "events", "--parameters")
    try:
        timed("bootstrap", times, lambda: bootstrap_local(st.endpoint, out.append))
        timed("synth", times, lambda: cli("synth", "--output", str(assembly), "--quiet"))
        timed("deploy", times, lambda: cli(*deploy, "NotificationEmail=team@example.com"))
        timed("verify", times, verify)
        timed("update", times, lambda: cli(*deploy, "NotificationEmail=oncall@example.com"))
        timed("verify2", times, verify)
        timed("readback", times, lambda: taught_properties(Clients(st.endpoint), stack))
        # A release of changed code (a new version, the alias moved through CodeDeploy), then a
        # bad release stopped by its alarm (the stack update rolls back), as notebook 15 does.
        app_v2 = work / "app-v2"
        shutil.copytree(ROOT / "lambda_src", app_v2, ignore=shutil.ignore_patterns("node_modules"))
        handler = app_v2 / "src" / "index.mjs"
        handler.write_text(handler.read_text().replace("ok: true,", "ok: true, release: 2,"))
        release = ("deploy", "--all", "--require-approval", "never", "--progress", "events",
                   "--output", str(work / "out2"), "--context")
        timed("release", times, lambda: cli(*release, f"appSource={app_v2}"))
        handler.write_text(handler.read_text().replace("release: 2,", "release: 3,"))
        aws = Clients(st.endpoint)
        alarm = next(p for lid, (_, p) in stack_resources(aws, stack).items()
                     if lid.startswith("ReleaseErrors"))
        aws.cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="bench")
        timed("bad-release", times, lambda: cli(*release, f"appSource={app_v2}", fails=True))
        aws.cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="bench")
        timed("destroy", times, lambda: cli("destroy", "--app", str(assembly), "--all",
                                            "--force"))
    finally:
        timed("stop", times, lambda: process.stop(state))
    if failed:
        print(f"FAILED: {failed}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    if "--pipeline" in sys.argv[1:]:
        return main_pipeline()
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
