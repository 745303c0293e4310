"""Scenario 06: a failed pipeline execution must reach a person.

The path is: the pipeline emits a state-change event -> an EventBridge rule
(`pipeline.on_state_change`) or a CodeStar Notifications rule (`pipeline.notify_on`) matches its
FAILED executions -> an SNS topic the service may publish to (topic policy, and key policy when
the topic is encrypted) -> a subscription. Either kind of rule is a valid path. Every break in it
is silent: nothing fails at deploy time and nobody hears of the failure. cdk-nag, cfn-lint and
CDK's validation check none of it, hence these checks.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass

from pitfalls.checks import Violation, check
from pitfalls.checks.s01_incomplete_pipeline_stages import pipelines
from pitfalls.templates import Json, Template, as_list, ref_target, refs_in

PIPELINE = "AWS::CodePipeline::Pipeline"
RULE = "AWS::Events::Rule"
NOTIFICATION_RULE = "AWS::CodeStarNotifications::NotificationRule"
TOPIC = "AWS::SNS::Topic"
SUBSCRIPTION = "AWS::SNS::Subscription"
TOPIC_POLICY = "AWS::SNS::TopicPolicy"
KEY = "AWS::KMS::Key"
KEY_ALIAS = "AWS::KMS::Alias"
CHATBOT = ("AWS::Chatbot::SlackChannelConfiguration", "AWS::Chatbot::MicrosoftTeamsChannelConfiguration")

EVENTS = "events.amazonaws.com"
CODESTAR = "codestar-notifications.amazonaws.com"
STATE_CHANGES = (
    "CodePipeline Pipeline Execution State Change",
    "CodePipeline Stage Execution State Change",
    "CodePipeline Action Execution State Change",
)
FAILED_EVENT_TYPES = {
    "codepipeline-pipeline-pipeline-execution-failed",
    "codepipeline-pipeline-stage-execution-failed",
    "codepipeline-pipeline-action-execution-failed",
}


def matches(pattern: Json, value: str) -> bool:
    """Whether an EventBridge pattern field (a list of values or filters) matches `value`.

    An absent field matches everything. Covers exact values and the string filters: prefix,
    suffix, anything-but, equals-ignore-case, wildcard, exists.
    """
    if pattern is None:
        return True
    for entry in as_list(pattern):
        if isinstance(entry, str) and entry == value:
            return True
        if isinstance(entry, dict) and _filter_matches(entry, value):
            return True
    return False


def _filter_matches(f: dict[str, Json], value: str) -> bool:
    if "prefix" in f:
        p = f["prefix"]
        return isinstance(p, str) and value.startswith(p)
    if "suffix" in f:
        s = f["suffix"]
        return isinstance(s, str) and value.endswith(s)
    if "equals-ignore-case" in f:
        e = f["equals-ignore-case"]
        return isinstance(e, str) and e.lower() == value.lower()
    if "wildcard" in f:
        w = f["wildcard"]
        return isinstance(w, str) and fnmatch.fnmatchcase(value, w)
    if "exists" in f:
        return f["exists"] is True
    if "anything-but" in f:
        but = f["anything-but"]
        if isinstance(but, dict):
            return not _filter_matches(but, value)
        return value not in [str(b) for b in as_list(but)]
    return False


def _pattern(props: dict[str, Json]) -> dict[str, Json]:
    p = props.get("EventPattern")
    if isinstance(p, str):
        try:
            p = json.loads(p)
        except json.JSONDecodeError:
            return {}
    return p if isinstance(p, dict) else {}


@dataclass
class Watch:
    """A rule that watches pipeline executions: which pipelines, whether it sees FAILED, where it sends."""

    lid: str
    service: str  # the principal that publishes to the targets
    pipelines: set[str] | None  # None: every pipeline
    fails: bool
    states: str  # what it matches, for messages
    targets: int


def _pipeline_names(t: Template) -> dict[str, str]:
    """Literal PipelineName -> logical id, for rules that name a pipeline instead of referencing it."""
    out = {}
    for lid, _ in t.resources(PIPELINE):
        name = t.props(lid).get("Name")
        if isinstance(name, str):
            out[name] = lid
    return out


def _pipelines_in(t: Template, values: Json) -> set[str]:
    names = _pipeline_names(t)
    found: set[str] = set()
    for v in as_list(values):
        found |= {r for r in refs_in(v) if t.type_of(r) == PIPELINE}
        if isinstance(v, str):
            found |= {lid for name, lid in names.items() if v == name or v.endswith(":" + name)}
    return found


def watches(t: Template) -> list[Watch]:
    """Every enabled EventBridge or CodeStar notification rule about pipeline executions."""
    out: list[Watch] = []
    for lid, _ in t.resources(RULE):
        props = t.props(lid)
        pattern = _pattern(props)
        if props.get("State") == "DISABLED" or not pattern:
            continue
        if not matches(pattern.get("source"), "aws.codepipeline"):
            continue
        if not any(matches(pattern.get("detail-type"), dt) for dt in STATE_CHANGES):
            continue
        raw_detail = pattern.get("detail")
        detail: dict[str, Json] = raw_detail if isinstance(raw_detail, dict) else {}
        pipelines: set[str] | None = None
        if "resources" in pattern:
            pipelines = _pipelines_in(t, pattern["resources"])
        if "pipeline" in detail:
            named = _pipelines_in(t, detail["pipeline"])
            pipelines = named if pipelines is None else pipelines & named
        state = detail.get("state")
        targets = [tg for tg in as_list(props.get("Targets")) if isinstance(tg, dict)]
        out.append(
            Watch(
                lid,
                EVENTS,
                pipelines,
                fails=matches(state, "FAILED"),
                states="any state" if state is None else json.dumps(state),
                targets=len(targets),
            )
        )
    for lid, _ in t.resources(NOTIFICATION_RULE):
        props = t.props(lid)
        if props.get("Status") == "DISABLED":
            continue
        pipelines = {r for r in refs_in(props.get("Resource")) if t.type_of(r) == PIPELINE}
        if not pipelines:
            continue
        types = [str(e) for e in as_list(props.get("EventTypeIds"))]
        targets = [tg for tg in as_list(props.get("Targets")) if isinstance(tg, dict)]
        out.append(
            Watch(
                lid,
                CODESTAR,
                pipelines,
                fails=bool(FAILED_EVENT_TYPES & set(types)),
                states=json.dumps(types),
                targets=len(targets),
            )
        )
    return out


@check(
    id="PP06-NO-FAILURE-RULE",
    scenario=6,
    severity="warning",
    requirement=(
        "Each pipeline has an EventBridge rule (on_state_change) or a notification rule (notify_on) "
        "that matches its FAILED executions and has a target."
    ),
    rationale=(
        "Without a rule that matches FAILED, a broken pipeline stops and nobody is told: the last "
        "good release stays live while everyone assumes the new one shipped. A rule on SUCCEEDED "
        "only is the usual slip: it notifies about everything except what needs a person."
    ),
    fix=(
        "pipeline.on_state_change('Failed', target=targets.SnsTopic(topic), "
        "event_pattern=events.EventPattern(detail={'state': ['FAILED']})), or "
        "pipeline.notify_on(..., events=[PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED])"
    ),
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html",
)
def no_failure_rule(t: Template) -> Iterator[Violation]:
    all_watches = watches(t)
    reported: set[str] = set()
    for pipeline, _ in pipelines(t):
        mine = [w for w in all_watches if w.pipelines is None or pipeline in w.pipelines]
        if any(w.fails and w.targets for w in mine):
            continue
        if not mine:
            yield pipeline, (
                "no EventBridge rule or CodeStar notification rule watches this pipeline's "
                "executions: a FAILED execution notifies nobody"
            )
            continue
        for w in mine:
            if w.lid in reported:
                continue
            reported.add(w.lid)
            if not w.fails:
                yield w.lid, (
                    f"watches {pipeline} but matches {w.states} only: a FAILED execution notifies nobody"
                )
            else:
                yield w.lid, f"matches the FAILED executions of {pipeline} but has no target"


def _subscribed(t: Template, topic: str) -> bool:
    if as_list(t.props(topic).get("Subscription")):
        return True
    for lid, _ in t.resources(SUBSCRIPTION):
        if ref_target(t.props(lid).get("TopicArn")) == topic:
            return True
    return any(True for _ in t.referencing(topic, *CHATBOT))


def _notification_topics(t: Template) -> dict[str, str]:
    """Topics that an EventBridge rule or a notification rule sends to, with one such rule."""
    out: dict[str, str] = {}
    for topic, rule in _all_pairs(t):
        out.setdefault(topic, rule)
    return out


@check(
    id="PP06-TOPIC-NO-SUBSCRIPTION",
    scenario=6,
    severity="warning",
    requirement="A topic that rules send notifications to has at least one subscription.",
    rationale=(
        "SNS accepts every message published to a topic without subscribers and delivers it to "
        "nobody: the rule fires, the topic counts the message, and no one reads it."
    ),
    fix="topic.add_subscription(subscriptions.EmailSubscription(email)), the address from configuration.",
    source_url="https://docs.aws.amazon.com/sns/latest/dg/sns-create-subscribe-endpoint-to-topic.html",
)
def topic_no_subscription(t: Template) -> Iterator[Violation]:
    for topic, rule in _notification_topics(t).items():
        if not _subscribed(t, topic):
            yield topic, f"{rule} sends to this topic, but nothing subscribes to it"


# Resources whose reference to a topic is not publishing to it.
NOT_PUBLISHERS = {SUBSCRIPTION, TOPIC_POLICY, *CHATBOT}


@check(
    id="PP06-TOPIC-NO-PUBLISHER",
    scenario=6,
    severity="warning",
    requirement="A topic that people subscribe to has something in the stack that publishes to it.",
    rationale=(
        "A topic with an email subscription but no rule, alarm or grant that publishes to it "
        "looks like alerting and is silence: the subscriber confirms the address and never hears "
        "another word."
    ),
    fix="Make a rule publish to it: pipeline.on_state_change(..., target=targets.SnsTopic(topic)).",
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html",
)
def topic_no_publisher(t: Template) -> Iterator[Violation]:
    outputs = t.data.get("Outputs") or {}
    for topic, _ in t.resources(TOPIC):
        if not _subscribed(t, topic):
            continue
        publishers = [
            lid
            for lid, body in t.referencing(topic)
            if body.get("Type") not in NOT_PUBLISHERS and lid != topic
        ]
        exported = topic in refs_in(outputs)  # another stack may publish through the export
        if not publishers and not exported:
            yield topic, "subscribed to, but no rule, alarm or grant in the stack publishes to it"


def _principal_is(principal: Json, service: str) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        if service in [str(s) for s in as_list(principal.get("Service"))]:
            return True
        if "*" in as_list(principal.get("AWS")):
            return True
    return False


def _action_covers(actions: Json, wanted: str) -> bool:
    return any(
        isinstance(a, str) and fnmatch.fnmatchcase(wanted.lower(), a.lower()) for a in as_list(actions)
    )


def grants(document: Json, service: str, *wanted: str) -> bool:
    """Whether a policy document lets a service principal perform every action in `wanted`."""
    statements = [s for s in as_list((document or {}).get("Statement")) if isinstance(s, dict)]
    for action in wanted:
        allowed = any(
            s.get("Effect") == "Allow"
            and _principal_is(s.get("Principal"), service)
            and _action_covers(s.get("Action"), action)
            for s in statements
        )
        denied = any(
            s.get("Effect") == "Deny"
            and not s.get("Condition")
            and _principal_is(s.get("Principal"), service)
            and _action_covers(s.get("Action"), action)
            for s in statements
        )
        if not allowed or denied:
            return False
    return True


def _aws_managed_key(value: Json) -> bool:
    if isinstance(value, str):
        return value.endswith("alias/aws/sns")
    if isinstance(value, dict) and "Fn::Join" in value:
        parts = value["Fn::Join"][1] if isinstance(value["Fn::Join"], list) else []
        return any(isinstance(p, str) and p.endswith("alias/aws/sns") for p in as_list(parts))
    return False


def _key_of(t: Template, value: Json) -> str | None:
    """The AWS::KMS::Key in the template that a KmsMasterKeyId points at, through an alias too."""
    target = ref_target(value)
    if t.type_of(target) == KEY:
        return target
    if t.type_of(target) == KEY_ALIAS:
        key = ref_target(t.props(str(target)).get("TargetKeyId"))
        return key if t.type_of(key) == KEY else None
    return None


@check(
    id="PP06-SERVICE-CANNOT-PUBLISH",
    scenario=6,
    severity="error",
    requirement=(
        "The topic a rule sends to lets that service publish: its topic policy allows "
        "sns:Publish, and its KMS key policy allows kms:GenerateDataKey* and kms:Decrypt."
    ),
    rationale=(
        "EventBridge and CodeStar Notifications publish as service principals. Without a topic "
        "policy statement for them, or on a topic encrypted with a key whose policy leaves them "
        "out (the AWS managed alias/aws/sns key can never include them), every publish is "
        "refused and the notification vanishes: the rule shows only FailedInvocations."
    ),
    fix=(
        "Let CDK write both: target the topic with targets.SnsTopic(topic) or notify_on(topic), "
        "encrypt with your own kms.Key, and do not replace the topic policy with a hand-written one."
    ),
    source_url="https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html",
)
def service_cannot_publish(t: Template) -> Iterator[Violation]:
    seen: set[tuple[str, str]] = set()
    pairs = [(topic, EVENTS if t.type_of(rule) == RULE else CODESTAR) for topic, rule in _all_pairs(t)]
    for topic, service in pairs:
        if (topic, service) in seen:
            continue
        seen.add((topic, service))
        policies = [
            lid for lid, _ in t.resources(TOPIC_POLICY) if topic in refs_in(t.props(lid).get("Topics"))
        ]
        refusing = [
            p for p in policies if not grants(t.props(p).get("PolicyDocument"), service, "sns:Publish")
        ]
        if not policies:
            yield topic, f"no topic policy lets {service} publish to this topic"
        elif refusing and len(policies) > 1:
            yield topic, (
                f"{len(policies)} topic policies ({', '.join(policies)}) set this topic's policy and "
                f"{', '.join(refusing)} leaves out {service}: each replaces the other at deploy time"
            )
        elif refusing:
            yield topic, f"topic policy {refusing[0]} does not let {service} publish"
        key_id = t.props(topic).get("KmsMasterKeyId")
        if _aws_managed_key(key_id):
            yield topic, (
                f"encrypted with the AWS managed key alias/aws/sns, whose key policy cannot let "
                f"{service} use it"
            )
            continue
        key = _key_of(t, key_id)
        if key and not grants(
            t.props(key).get("KeyPolicy"), service, "kms:GenerateDataKey", "kms:Decrypt"
        ):
            yield topic, (
                f"key policy of {key} does not let {service} use the key "
                "(kms:GenerateDataKey*, kms:Decrypt)"
            )


def _all_pairs(t: Template) -> Iterator[tuple[str, str]]:
    """(topic, rule) for every rule or notification rule that sends to a topic in the template."""
    for lid, _ in t.resources(RULE):
        for tg in as_list(t.props(lid).get("Targets")):
            target = ref_target(tg.get("Arn")) if isinstance(tg, dict) else None
            if t.type_of(target) == TOPIC:
                yield str(target), lid
    for lid, _ in t.resources(NOTIFICATION_RULE):
        for tg in as_list(t.props(lid).get("Targets")):
            target = ref_target(tg.get("TargetAddress")) if isinstance(tg, dict) else None
            if t.type_of(target) == TOPIC:
                yield str(target), lid
