#!/usr/bin/env python3
"""What one learner costs a JupyterHub (numbers, not pass/fail): memory and CPU of one learner's
processes, JupyterLab's server and one kernel with everything it starts (jsii's Node, the local
AWS, the CDK CLI, the app's synth, the local builds), in the phases of the course:

  at rest          the kernel after a scenario notebook's set-up (aws-cdk-lib loaded, jsii warm)
  synth            the full pipeline synthesized in the kernel (notebook 15's synth, the largest)
  deploy           notebook 15's deploy: the local AWS started, `cdk deploy` of app.py to it
  pipeline run     the app uploaded to the source bucket; the pipeline runs until it finishes
  at rest, local AWS   idle again, with the local AWS still running (a learner in notebook 15)

Memory: the sum over the process tree, sampled every 0.25 s: RSS (what a Kubernetes memory limit
counts, shared libraries included) and PSS (shared pages split between the processes that share
them: what each learner adds to a shared host). CPU: CPU seconds of the tree (children that
exited included) over the phase's wall time, and the busiest 1 s window. The learner's state
goes to a temporary directory; nothing of yours is touched.

Usage: python scripts/bench_hub.py [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from pitfalls.emulator.process import free_port

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

SETUP = """
from pitfalls.notebook import synth
import aws_cdk.aws_s3 as s3
synth(lambda stack: s3.Bucket(stack, "Warm"))
"""
SYNTH = """
from pitfalls.notebook import synth_app
from solutions.pipeline import PipelineStack
full = synth_app(lambda app: PipelineStack(app, "PipelinePitfalls-dev"))
"""
DEPLOY = """
import tempfile
from pathlib import Path
from pitfalls.emulator import start
from pitfalls.emulator.deploy import deploy_local
from pitfalls.emulator.verify import Clients, stack_resources
work = Path(tempfile.mkdtemp(prefix="pitfalls-bench-"))
state = work / "state"
aws = Clients(start(state_dir=state).endpoint)
log = []
code = deploy_local(parameters=["NotificationEmail=team@example.com"], state_dir=state,
                    extra=["--output", str(work / "cdk.out")], say=log.append)
assert code == 0, "\\n".join(log[-30:])
resources = stack_resources(aws, "PipelinePitfalls-dev")  # logical id -> (type, physical id)
"""
PIPELINE = """
import io, time, zipfile
from solutions.lambda_runtime import APP_SOURCE
pipeline = next(p for t, p in resources.values() if t == "AWS::CodePipeline::Pipeline")
bucket = next(p for k, (t, p) in resources.items()
              if t == "AWS::S3::Bucket" and k.startswith("SourceBucket"))
def executions():
    return aws.codepipeline.list_pipeline_executions(pipelineName=pipeline)[
        "pipelineExecutionSummaries"]
before = len(executions())
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    for p in sorted(APP_SOURCE.rglob("*")):
        if p.is_file() and "node_modules" not in p.parts:
            z.write(p, p.relative_to(APP_SOURCE).as_posix())
aws.s3.put_object(Bucket=bucket, Key="source.zip", Body=buf.getvalue())
deadline = time.monotonic() + 600
while time.monotonic() < deadline:
    runs = executions()
    if len(runs) > before and runs[0]["status"] not in ("InProgress", "Stopping"):
        break
    time.sleep(1)
ran = aws.codepipeline.list_action_executions(
    pipelineName=pipeline, filter={"pipelineExecutionId": runs[0]["pipelineExecutionId"]}
)["actionExecutionDetails"]
print("pipeline run:", runs[0]["status"], "(" + ", ".join(
    f"{a['stageName']}/{a['actionName']} {a['status']}" for a in reversed(ran)) + ")")
"""
REST_PHASES = ("at rest", "at rest, local AWS running")
# What a room's learners hold at once, by where they are in the course (phase measured for each).
WORKING_SETS = {"notebooks 00-14": "synth (notebook 15, full pipeline)",
                "notebook 15, deploying": "deploy (notebook 15, local AWS)",
                "notebook 15, pipeline running": "pipeline run (local AWS)"}
STOP = """
from pitfalls.emulator import stop
stop(state)
"""


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    rss_peak: float = 0.0  # MiB
    pss_peak: float = 0.0
    rss_mean: float = 0.0
    cpu_mean: float = 0.0  # cores
    cpu_peak: float = 0.0  # cores, busiest 1 s window
    processes_peak: int = 0
    note: str = ""


def tree(roots: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for r in roots:
        try:
            out += [r, *r.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
    return out


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


@dataclass
class Sampler:
    """Samples the learner's process tree in a thread while a phase runs."""

    roots: list[psutil.Process]
    samples: list[tuple[float, float, float, float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.is_set():
            procs = tree(self.roots)
            rss = pss = 0
            for p in procs:
                try:
                    m = p.memory_full_info()
                except psutil.Error:
                    continue
                rss += m.rss
                pss += m.pss
            self.samples.append((time.monotonic(), rss / MIB, pss / MIB, cpu_seconds(procs),
                                 len(procs)))
            self._stop.wait(0.25)

    def measure(self, name: str, action: object) -> Phase:
        self.samples.clear()
        self._stop.clear()
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        t0 = time.monotonic()
        note = action() if callable(action) else ""
        wall = time.monotonic() - t0
        time.sleep(0.3)
        self._stop.set()
        thread.join()
        s = self.samples
        windows = [(s[j][3] - s[i][3]) / (s[j][0] - s[i][0])
                   for i in range(len(s)) for j in range(i + 1, len(s))
                   if 0.9 <= s[j][0] - s[i][0] <= 1.3]
        return Phase(name, wall, max(x[1] for x in s), max(x[2] for x in s),
                     sum(x[1] for x in s) / len(s),
                     max(0.0, (s[-1][3] - s[0][3]) / max(s[-1][0] - s[0][0], 1e-3)),
                     max(windows, default=0.0), max(x[4] for x in s), str(note or ""))


def _up(x: float, step: float) -> float:
    return math.ceil(x / step - 1e-9) * step


def sizing(phases: list[dict[str, float | str]]) -> dict[str, object]:
    """Kubernetes requests and limits, and a shared host's per-learner memory, from the phases.

    Memory request: the larger at-rest RSS (what a learner holds between cells), rounded up to
    128 MiB. Memory limit: the largest peak RSS of any phase plus a quarter, rounded up to
    256 MiB, so the kernel is never killed mid-deploy. CPU request: 0.1 of a core (at rest a
    learner uses next to nothing); CPU limit: the busiest second of any phase, rounded up to
    whole cores (synth and the CDK CLI are single-threaded Node and Python, with bursts of
    parallel processes). Per learner on a shared host: PSS (shared pages counted once)."""
    by = {str(p["name"]): p for p in phases}
    rest = max(float(by[n]["rss_peak"]) for n in REST_PHASES)
    peak = max(float(p["rss_peak"]) for p in phases)
    pss = {name: round(float(by[phase]["pss_peak"])) for name, phase in WORKING_SETS.items()}
    return {
        "memory_guarantee": f"{_up(rest, 128):.0f}M",
        "memory_limit": f"{_up(peak * 1.25, 256):.0f}M",
        "cpu_guarantee": 0.1,
        "cpu_limit": max(1.0, _up(max(float(p["cpu_peak"]) for p in phases), 1.0)),
        "learner_pss_mib": pss,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--rest", type=float, default=15.0, help="seconds of each at-rest phase")
    args = parser.parse_args()

    from jupyter_client.manager import KernelManager

    with tempfile.TemporaryDirectory(prefix="pitfalls-bench-hub-") as d:
        env = {**os.environ, "PITFALLS_STATE_DIR": str(Path(d) / "state"),
               "PITFALLS_PROGRESS_FILE": str(Path(d) / "progress.json"),
               "JUPYTER_RUNTIME_DIR": str(Path(d) / "runtime"), "PYTHONPATH": str(ROOT)}
        lab = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={free_port()}",
             "--IdentityProvider.token=bench", f"--ServerApp.root_dir={ROOT / 'notebooks'}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        km = KernelManager(kernel_name="python3")
        km.start_kernel(env=env, cwd=str(ROOT / "notebooks"))
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)

        def run(code: str) -> str:
            out: list[str] = []

            def keep(msg: dict[str, object]) -> None:
                content = msg.get("content", {})
                assert isinstance(content, dict)
                if msg["msg_type"] == "stream":
                    out.append(str(content["text"]))
                if msg["msg_type"] == "error":
                    out.append("\n".join(content["traceback"]))

            reply = kc.execute_interactive(code, timeout=900, output_hook=keep)
            if reply["content"]["status"] != "ok":
                raise SystemExit("".join(out)[-3000:])
            return "".join(out).strip()

        roots = [psutil.Process(lab.pid), psutil.Process(km.provisioner.process.pid)]
        sampler = Sampler(roots)
        phases = []
        try:
            time.sleep(5)  # the server's start-up is not a learner's working set
            phases.append(sampler.measure("set-up (imports, first synth)", lambda: run(SETUP)))
            phases.append(sampler.measure("at rest", lambda: time.sleep(args.rest)))
            phases.append(sampler.measure("synth (notebook 15, full pipeline)", lambda: run(SYNTH)))
            phases.append(sampler.measure("deploy (notebook 15, local AWS)", lambda: run(DEPLOY)))
            phases.append(sampler.measure("pipeline run (local AWS)", lambda: run(PIPELINE)))
            phases.append(sampler.measure("at rest, local AWS running",
                                          lambda: time.sleep(args.rest)))
        finally:
            try:
                run(STOP)
            except BaseException as exc:  # noqa: BLE001  (the emulator may not have started)
                print("stop:", exc, file=sys.stderr)
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            lab.terminate()
            lab.wait(timeout=30)

    print(f"One learner on {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} "
          "GiB (JupyterLab server + one kernel and what it starts)")
    print(f"{'phase':38} {'wall s':>7} {'RSS peak':>9} {'PSS peak':>9} {'CPU mean':>9} "
          f"{'CPU 1 s peak':>12} {'procs':>5}")
    for p in phases:
        print(f"{p.name:38} {p.seconds:7.1f} {p.rss_peak:7.0f} M {p.pss_peak:7.0f} M "
              f"{p.cpu_mean:9.2f} {p.cpu_peak:12.2f} {p.processes_peak:5d}  {p.note}")
    measured = [p.__dict__ for p in phases]
    sized = sizing(measured)
    print("sizing:", json.dumps(sized))
    if args.json:
        machine = {"cpus": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1)}
        args.json.write_text(json.dumps({"machine": machine, "phases": measured, "sizing": sized},
                                        indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
