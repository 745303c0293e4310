"""SQS queues and queue policies."""

from __future__ import annotations

from typing import Any

from moto.sqs.exceptions import QueueDoesNotExist
from moto.sqs.models import SQSBackend, sqs_backends

from pitfalls.emulator.cloudformation.resource import (
    Resource,
    as_bool,
    as_json_text,
    random_suffix,
    register,
    tags_dict,
)

ATTRIBUTES = ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
              "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "KmsMasterKeyId",
              "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "RedrivePolicy",
              "ContentBasedDeduplication")


def sqs(account_id: str, region: str) -> SQSBackend:
    return sqs_backends[account_id][region]


def queue_name_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


@register
class Queue(Resource):
    TYPE = "AWS::SQS::Queue"
    NAME_PROPERTY = "QueueName"
    NAME_MAX = 80
    PROPERTIES = {**{k: "" for k in ATTRIBUTES}, "QueueName": "", "FifoQueue": "", "Tags": ""}
    REPLACE_ON = frozenset({"FifoQueue"})
    FIFO_PROPERTY = "FifoQueue"
    ATTRIBUTES = ("Arn", "QueueName", "QueueUrl")
    REF = "queue URL"
    READ_BACK = "GetQueueAttributes, ListQueueTags"

    def _attributes(self) -> dict[str, Any]:
        p = self.props
        attrs: dict[str, Any] = {}
        for key in ATTRIBUTES:
            if key in p:
                value = p[key]
                if key == "RedrivePolicy":
                    value = as_json_text(value)
                elif key in ("SqsManagedSseEnabled", "ContentBasedDeduplication"):
                    value = "true" if as_bool(value) else "false"
                attrs[key] = value
        return attrs

    def create(self) -> None:
        b = sqs(self.account_id, self.region)
        if self.name in b.queues:
            from pitfalls.emulator.cloudformation.errors import InvalidProperty

            raise InvalidProperty(f"A queue named {self.name} already exists")
        attrs = self._attributes()
        if as_bool(self.props.get("FifoQueue", False)):
            attrs["FifoQueue"] = "true"
        b.create_queue(self.name, tags=tags_dict(self.props.get("Tags")), **attrs)
        self.physical_id = self.url

    @property
    def url(self) -> str:
        return f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{self.name}"

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        b = sqs(self.account_id, self.region)
        queue = b.get_queue(self.name)
        attrs = self._attributes()
        for key in ATTRIBUTES:  # removed from the template: back to the default
            if key in old and key not in self.props:
                attrs[key] = {"DelaySeconds": 0, "MaximumMessageSize": 262144,
                              "MessageRetentionPeriod": 345600,
                              "ReceiveMessageWaitTimeSeconds": 0, "VisibilityTimeout": 30,
                              "KmsDataKeyReusePeriodSeconds": 300,
                              "SqsManagedSseEnabled": "true"}.get(key, "")
        if queue.policy:
            attrs["Policy"] = queue.policy  # moto's SetQueueAttributes clears a policy not given
        queue._set_attributes(attrs)
        if "Tags" in changed:
            queue.tags = tags_dict(self.props.get("Tags"))

    def destroy(self) -> None:
        try:
            sqs(self.account_id, self.region).delete_queue(self.name)
        except QueueDoesNotExist:
            pass

    def attribute(self, name: str) -> Any:
        queue = sqs(self.account_id, self.region).get_queue(self.name)
        return {"Arn": queue.queue_arn, "QueueName": queue.name, "QueueUrl": self.url}[name]


@register
class QueuePolicy(Resource):
    TYPE = "AWS::SQS::QueuePolicy"
    PROPERTIES = {"Queues": "queue URLs", "PolicyDocument": ""}
    REQUIRED = ("Queues", "PolicyDocument")
    REF = "generated id"
    READ_BACK = "GetQueueAttributes (Policy)"

    def create(self) -> None:
        self.physical_id = f"{self.stack_name}-{self.logical_resource_id}-{random_suffix()}"
        self._put(self.props["Queues"], as_json_text(self.props["PolicyDocument"]))

    def _put(self, urls: list[str], policy: str) -> None:
        b = sqs(self.account_id, self.region)
        for url in urls:
            try:
                queue = b.get_queue(queue_name_of(url))
            except QueueDoesNotExist:
                if policy:
                    raise
                continue  # removing a policy from a deleted queue: nothing to do
            queue.policy = policy or None

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        self._put([q for q in old["Queues"] if q not in self.props["Queues"]], "")
        self._put(self.props["Queues"], as_json_text(self.props["PolicyDocument"]))

    def destroy(self) -> None:
        self._put(self.props["Queues"], "")
