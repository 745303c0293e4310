"""Read-back of SNS: AWS::SNS::Subscription, AWS::SNS::Topic, AWS::SNS::TopicPolicy, compared with
the template through SNS's API.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Report, attributes, call, reads, sub, tags


@reads("AWS::SNS::Topic")
def _topic(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    attrs = call(c.sns.get_topic_attributes, TopicArn=arn)["Attributes"]
    r.expect(w, "display name", attrs.get("DisplayName", ""), p.get("DisplayName", ""))
    if "KmsMasterKeyId" in p:
        r.expect(w, "kms key", attrs.get("KmsMasterKeyId"), p["KmsMasterKeyId"])
    if "Tags" in p:
        got = tags(c.sns.list_tags_for_resource(ResourceArn=arn)["Tags"])
        r.expect(w, "tags", sub(got, tags(p["Tags"])), tags(p["Tags"]))


@reads("AWS::SNS::Subscription")
def _subscription(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    attrs = call(c.sns.get_subscription_attributes, SubscriptionArn=arn)["Attributes"]
    r.expect(w, "topic", attrs["TopicArn"], p["TopicArn"])
    r.expect(w, "protocol", attrs["Protocol"], p["Protocol"])
    r.expect(w, "endpoint", attrs["Endpoint"], p.get("Endpoint"))
    r.expect(w, "raw delivery", attrs.get("RawMessageDelivery", "false"),
             p.get("RawMessageDelivery", False))
    if "FilterPolicy" in p:
        r.expect(w, "filter policy", attrs.get("FilterPolicy"), p["FilterPolicy"])


@reads("AWS::SNS::TopicPolicy")
def _topic_policy(c: Clients, pid: str, p: dict[str, Any], r: Report, w: str) -> None:
    for arn in p["Topics"]:
        attrs = call(c.sns.get_topic_attributes, TopicArn=arn)["Attributes"]
        r.expect(w, f"policy of {arn}", attrs.get("Policy"), p["PolicyDocument"])


attributes(
    "AWS::SNS::Topic",
    TopicName=lambda c, p: p.rsplit(":", 1)[-1],
    TopicArn=lambda c, p: call(c.sns.get_topic_attributes, TopicArn=p)["Attributes"]["TopicArn"],
)
