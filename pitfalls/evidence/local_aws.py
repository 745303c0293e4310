"""A notebook's own local AWS: started in a temporary folder, deployed to with the real CDK CLI,
asked through boto3, and stopped when the notebook is done (or its kernel exits).

    aws = LocalAWS("06")                        # never reuses or stops an emulator of yours
    app = aws.assembly("fixed", lambda app: MyStack(app, "Alerts"))
    aws.deploy(app, "Alerts", parameters=["NotificationEmail=team@example.com"])
    aws.cloudformation.describe_stacks(...)     # any boto3 client, by service name
    aws.stop()

What the notebooks print is the same on every run: physical names that CloudFormation makes up
are shown as `<LogicalId>` (`aws.masked(...)`), and the CLI's own log, with its timestamps, is kept
in `aws.log` rather than printed.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pitfalls.emulator import start, stop
from pitfalls.emulator.deploy import deploy_local, destroy_local
from pitfalls.emulator.verify import Clients


@dataclass(frozen=True)
class StackResource:
    logical_id: str
    type: str
    physical_id: str


class LocalAWS:
    """One emulator for one notebook, with the few look-ups its cells need."""

    def __init__(self, name: str) -> None:
        self.work = Path(tempfile.mkdtemp(prefix=f"pitfalls-{name}-"))
        self.state = self.work / "emulator"
        self.log: list[str] = []  # the CDK CLI's output of the last deploy or destroy
        self.endpoint = start(state_dir=self.state).endpoint
        self.clients = Clients(self.endpoint)
        atexit.register(self.stop)  # stopped even when a later cell fails

    def __getattr__(self, service: str) -> Any:
        """`aws.s3`, `aws.cloudformation`, `aws.awslambda` ...: boto3 clients for this local AWS."""
        if service.startswith("_"):
            raise AttributeError(service)
        return getattr(self.clients, service)

    # --- deploying ---------------------------------------------------------------------------

    def assembly(self, name: str, build: Callable[[Any], None], *, validate: bool = True) -> Path:
        """A cloud assembly the CLI can deploy: `build(app)` adds the stacks to a fresh cdk.App.

        `validate=False` skips CDK's built-in CloudFormation validation, for an assembly whose
        constructs a previous cell already showed the findings of."""
        import aws_cdk as cdk

        app = cdk.App(outdir=str(self.work / name), builtin_cloud_formation_validation=validate)
        build(app)
        return Path(app.synth().directory)

    def deploy(self, app_dir: Path, *stacks: str, parameters: Sequence[str] = (),
               output: Path | None = None, say: Callable[[str], None] | None = None) -> int:
        """`cdk deploy` (bootstrapping first, once) to this local AWS; the CLI's exit code.
        `output`: where the CLI synthesizes an app (not a cloud assembly) into, instead of the
        app's own cdk.out. `say`: where the CLI's lines go as they come (a live display that
        keeps them in `self.log`); by default, `self.log`."""
        self.log.clear()
        extra = ["--output", str(output)] if output is not None else []
        return deploy_local(app_dir=app_dir, stacks=stacks, state_dir=self.state,
                            parameters=parameters, extra=extra, say=say or self.log.append)

    def destroy(self, app_dir: Path, *stacks: str) -> int:
        self.log.clear()
        return destroy_local(app_dir=app_dir, stacks=stacks, state_dir=self.state,
                             say=self.log.append)

    # --- asking --------------------------------------------------------------------------------

    def status(self, stack: str) -> str:
        return str(self.cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"])

    def resources(self, stack: str) -> list[StackResource]:
        found = self.cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
        return [StackResource(r["LogicalResourceId"], r["ResourceType"], r["PhysicalResourceId"])
                for r in found]

    def physical_id(self, stack: str, rtype: str, part: str = "") -> str:
        """The physical id of the one resource of type `rtype` whose logical id contains `part`."""
        (found,) = [r for r in self.resources(stack) if r.type == rtype and part in r.logical_id]
        return found.physical_id

    def first_failure(self, stack: str) -> str:
        """The first resource that failed, as CloudFormation's stack events tell it, in one line."""
        events = self.cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
        for e in reversed(events):
            if e["ResourceStatus"].endswith("_FAILED") and e["ResourceType"] != "AWS::CloudFormation::Stack":
                return (f"{e['LogicalResourceId']} ({e['ResourceType']}) {e['ResourceStatus']}: "
                        f"{e.get('ResourceStatusReason', '')}")
        return "no resource failed"

    def masked(self, value: object, stack: str) -> str:
        """`value` as text, with the physical names CloudFormation made up shown as <LogicalId>."""
        text = value if isinstance(value, str) else json.dumps(value)
        # A policy's physical id is the name of what it is attached to: name that one instead.
        names = {r.physical_id: f"<{r.logical_id}>" for r in self.resources(stack)
                 if not r.physical_id.startswith("arn:") and not r.type.endswith("Policy")}
        for physical in sorted(names, key=len, reverse=True):
            text = text.replace(physical, names[physical])
        return text

    def inbox(self, name: str) -> Inbox:
        """An SQS queue to subscribe to a topic, standing in for a person's mailbox."""
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return Inbox(self.clients, url, arn["Attributes"]["QueueArn"])

    def stop(self) -> bool:
        """Stop this notebook's emulator and remove its folder; True if it was still running."""
        stopped = stop(self.state)
        shutil.rmtree(self.work, ignore_errors=True)
        return stopped


@dataclass(frozen=True)
class Inbox:
    clients: Clients
    url: str
    arn: str

    def subscribe_to(self, topic_arn: str) -> None:
        self.clients.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=self.arn)

    def receive(self, wait_seconds: int = 1) -> list[str]:
        """The SNS messages that arrived (their `Message` text), removed from the queue."""
        got = self.clients.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                               WaitTimeSeconds=wait_seconds).get("Messages", [])
        for m in got:
            self.clients.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        return [json.loads(m["Body"])["Message"] for m in got]
