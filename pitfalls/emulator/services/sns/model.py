"""SNS topics, subscriptions and topic policies."""

from __future__ import annotations

from typing import Any

from moto.sns.exceptions import TopicNotFound
from moto.sns.models import SNSBackend, Topic, sns_backends

from pitfalls.emulator.cloudformation.errors import InvalidProperty
from pitfalls.emulator.cloudformation.resource import (
    Resource,
    as_bool,
    as_json_text,
    random_suffix,
    register,
    tags_dict,
)

SUBSCRIPTION_ATTRIBUTES = ("RawMessageDelivery", "FilterPolicyScope", "FilterPolicy",
                           "RedrivePolicy", "DeliveryPolicy")


def sns(account_id: str, region: str) -> SNSBackend:
    return sns_backends[account_id][region]


@register
class TopicModel(Resource):
    TYPE = "AWS::SNS::Topic"
    NAME_PROPERTY = "TopicName"
    NAME_MAX = 256
    PROPERTIES = {"TopicName": "", "DisplayName": "", "KmsMasterKeyId": "", "FifoTopic": "",
                  "ContentBasedDeduplication": "", "Tags": ""}
    REPLACE_ON = frozenset({"FifoTopic"})
    FIFO_PROPERTY = "FifoTopic"
    ATTRIBUTES = ("TopicArn", "TopicName")
    REF = "topic ARN"
    READ_BACK = "GetTopicAttributes, ListTagsForResource"

    def _attributes(self) -> dict[str, Any]:
        p = self.props
        return {
            "display_name": p.get("DisplayName", ""),
            "kms_master_key_id": p.get("KmsMasterKeyId", ""),
            "content_based_deduplication": as_bool(p.get("ContentBasedDeduplication", False)),
        }

    def create(self) -> None:
        b = sns(self.account_id, self.region)
        if any(t.name == self.name for t in b.topics.values()):
            raise InvalidProperty(f"Topic {self.name} already exists")
        attrs = {"FifoTopic": True} if as_bool(self.props.get("FifoTopic", False)) else {}
        topic = b.create_topic(self.name, attributes=attrs,  # type: ignore[arg-type]
                               tags=tags_dict(self.props.get("Tags")))
        for attr, value in self._attributes().items():
            setattr(topic, attr, value)
        self.physical_id = topic.arn

    def _topic(self) -> Topic:
        return sns(self.account_id, self.region).get_topic(self.physical_id)

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        # In place: the topic and its subscriptions stay.
        topic = self._topic()
        for attr, value in self._attributes().items():
            setattr(topic, attr, value)
        if "Tags" in changed:
            topic._tags = tags_dict(self.props.get("Tags"))

    def destroy(self) -> None:
        sns(self.account_id, self.region).delete_topic(self.physical_id)

    def attribute(self, name: str) -> Any:
        return self.physical_id if name == "TopicArn" else self.name


@register
class Subscription(Resource):
    TYPE = "AWS::SNS::Subscription"
    PROPERTIES = {"TopicArn": "", "Protocol": "", "Endpoint": "",
                  "RawMessageDelivery": "", "FilterPolicy": "", "FilterPolicyScope": "",
                  "RedrivePolicy": "", "DeliveryPolicy": "",
                  "Region": "the emulator's region only"}
    REQUIRED = ("TopicArn", "Protocol")
    REPLACE_ON = frozenset({"TopicArn", "Protocol", "Endpoint", "Region"})
    REF = "subscription ARN"
    READ_BACK = "GetSubscriptionAttributes, ListSubscriptionsByTopic"

    def _set_attributes(self, old: dict[str, Any]) -> None:
        b, p = sns(self.account_id, self.region), self.props
        for key in SUBSCRIPTION_ATTRIBUTES:
            if key in p or key in old:
                value = p.get(key)
                if key == "RawMessageDelivery":
                    value = "true" if as_bool(value) else "false"
                elif key in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
                    value = as_json_text(value) if value is not None else ""
                b.set_subscription_attributes(self.physical_id, key, value or "")

    def create(self) -> None:
        p = self.props
        if p.get("Region", self.region) != self.region:
            raise InvalidProperty(f"Region {p['Region']}: the local AWS has one region, "
                                  f"{self.region}")
        b = sns(self.account_id, self.region)
        if "Endpoint" in p and b._find_subscription(p["TopicArn"], p["Endpoint"], p["Protocol"]):
            raise InvalidProperty(f"{p['Protocol']} subscription of {p['Endpoint']} to "
                                  f"{p['TopicArn']} already exists")
        sub = b.subscribe(p["TopicArn"], p.get("Endpoint", ""), p["Protocol"])
        self.physical_id = sub.arn
        self._set_attributes({})

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        self._set_attributes(old)

    def destroy(self) -> None:
        sns(self.account_id, self.region).unsubscribe(self.physical_id)


@register
class TopicPolicy(Resource):
    TYPE = "AWS::SNS::TopicPolicy"
    PROPERTIES = {"Topics": "topic ARNs", "PolicyDocument": ""}
    REQUIRED = ("Topics", "PolicyDocument")
    REF = "generated id"
    READ_BACK = "GetTopicAttributes (Policy)"

    def create(self) -> None:
        self.physical_id = f"{self.stack_name}-{self.logical_resource_id}-{random_suffix()}"
        self._put(self.props["Topics"])

    def _put(self, topics: list[str]) -> None:
        b = sns(self.account_id, self.region)
        for arn in topics:
            b.set_topic_attribute(arn, "policy", as_json_text(self.props["PolicyDocument"]))

    def _reset(self, topics: list[str]) -> None:
        b = sns(self.account_id, self.region)
        for arn in topics:
            try:
                topic = b.get_topic(arn)
            except TopicNotFound:
                continue  # deleted already: nothing to reset
            topic._policy_json = topic._create_default_topic_policy(
                self.region, self.account_id, topic.name)

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        self._reset([t for t in old["Topics"] if t not in self.props["Topics"]])
        self._put(self.props["Topics"])

    def destroy(self) -> None:
        self._reset(self.props["Topics"])


