"""Releasing the capstone: the learner's fixed pipeline, deployed with the real CDK CLI to a local
AWS of its own, then the course's source uploaded to it and the execution followed to the end.

The course's checks are the gate: a pipeline that still has findings is not deployed.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from pitfalls.learner.exercise import get, grade
from pitfalls.learner.exercises import capstone

EMAIL = "orders-team@example.com"  # the NotificationEmail parameter, as a person would type it


@dataclass(frozen=True)
class CapstoneRelease:
    """The execution the upload started, then what the released function answers."""

    run: Any  # an ExecutionView
    answer: str  # "pipeline-pitfalls-dev-app:live answers {...}", or why there is none

    @property
    def succeeded(self) -> bool:
        return bool(self.run.succeeded)

    def verdict(self) -> str:
        return (f"Released: {self.answer}" if self.succeeded
                else f"Not released: the execution stopped at {self.run.stopped_at}")

    def __repr__(self) -> str:
        return f"{self.run!r}\n{self.verdict()}"

    def _repr_html_(self) -> str:
        cls = "pp-ok" if self.succeeded else "pp-error"
        return (self.run._repr_html_()
                + f"<div class='{cls}' style='margin-top:6px'>{html.escape(self.verdict())}</div>")


def stack_name() -> str:
    return f"{capstone.config().stack_name}-{capstone.STACK_SUFFIX}"


def release_capstone(cls: type, *, email: str = EMAIL) -> Any:
    """Grade `cls`; when it passes, deploy it in a stack of its own, upload the source and follow
    the execution it starts. Returns that execution and what the function answers then (a
    CapstoneRelease), or None when nothing was deployed; each reason is one line. The local AWS
    is stopped at the end."""
    from aws_cdk import Stack

    from pitfalls.evidence.live import live_progress
    from pitfalls.evidence.local_aws import LocalAWS
    from pitfalls.evidence.pipelineview import Pipeline
    from pitfalls.evidence.release import SourceTree
    from pitfalls.evidence.show import cli_progress
    from pitfalls.evidence.synth import SynthError, synth_app
    from solutions.pipeline import function_name

    g = grade(capstone.NUMBER, cls)
    if not g.passed:
        what = g.error or f"{len(g.findings)} finding(s) left"
        print(f"Not released: {get(capstone.NUMBER).class_name} does not pass yet ({what}); "
              "the exercise cell above says what. The course's checks are the release gate.")
        return None
    config, name = capstone.config(), stack_name()
    aws = LocalAWS(f"{capstone.NUMBER}-capstone")
    try:
        assembly = aws.work / "cdk.out"
        try:
            synth_app(lambda app: capstone.harness(Stack(app, name), cls), keep=assembly)
        except SynthError as exc:
            print(f"Not released: the synth failed: {exc}")
            return None
        with live_progress("cdk deploy", into=aws.log) as say:
            code = aws.deploy(assembly, name, parameters=[f"NotificationEmail={email}"], say=say)
        print(cli_progress(aws.log, name))
        if code != 0:
            print(f"Not released: cdk deploy exited {code}: {aws.first_failure(name)}")
            return None
        pipeline = Pipeline(aws, name, other_stacks=[config.app_stack_name])
        run = pipeline.upload(SourceTree.from_repository())
        answer = ""
        if run.succeeded:
            function = function_name(config)
            called = aws.awslambda.invoke(FunctionName=function, Qualifier="live",
                                          Payload=json.dumps({"rawPath": "/"}).encode())
            answer = f"{function}:live answers {json.loads(called['Payload'].read())['body']}"
        return CapstoneRelease(run, answer)
    finally:
        aws.stop()
