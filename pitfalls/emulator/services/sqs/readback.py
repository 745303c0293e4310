"""Read-back of SQS: AWS::SQS::Queue, AWS::SQS::QueuePolicy, compared with the template through
SQS's API.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Report, attributes, call, reads, sub, tags


@reads("AWS::SQS::Queue")
def _queue(c: Clients, url: str, p: dict[str, Any], r: Report, w: str) -> None:
    attrs = call(c.sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["All"])[
        "Attributes"]
    for key in ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
                "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "KmsMasterKeyId",
                "SqsManagedSseEnabled"):
        if key in p:
            r.expect(w, key, attrs.get(key), p[key])
    if "Tags" in p:
        got = c.sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        r.expect(w, "tags", sub(got, tags(p["Tags"])), tags(p["Tags"]))


@reads("AWS::SQS::QueuePolicy")
def _queue_policy(c: Clients, pid: str, p: dict[str, Any], r: Report, w: str) -> None:
    for url in p["Queues"]:
        attrs = call(c.sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Policy"])
        r.expect(w, f"policy of {url}", attrs.get("Attributes", {}).get("Policy"),
                 p["PolicyDocument"])


attributes(
    "AWS::SQS::Queue",
    Arn=lambda c, p: call(c.sqs.get_queue_attributes, QueueUrl=p,
                          AttributeNames=["QueueArn"])["Attributes"]["QueueArn"],
    QueueName=lambda c, p: p.rsplit("/", 1)[-1],
)
