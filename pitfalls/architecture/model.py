"""What a diagram is made of: service colours and names, and the model the reader fills and the
renderers draw (cards in flows and grids, panels, pipeline stages, edges, the `Diagram` itself)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Json = Any  # a template value: plain data from JSON or YAML

# ---------------------------------------------------------------------------------------------
# Services: colour and readable names
# ---------------------------------------------------------------------------------------------

PALETTE: dict[str, tuple[str, str, str]] = {
    "devtools": ("#3b48cc", "#eef0fc", "developer tools"),
    "compute": ("#c4510f", "#fdf1e7", "compute"),
    "storage": ("#3f8624", "#eef6ea", "storage"),
    "integration": ("#b0185e", "#fcedf4", "application integration"),
    "security": ("#b3261e", "#fcecea", "security, identity"),
    "management": ("#6b3fa0", "#f4eefa", "monitoring, audit"),
    "database": ("#00796b", "#e8f5f3", "database"),
    "network": ("#7a5c00", "#fbf5e3", "networking"),
    "other": ("#57606a", "#f3f4f6", "other"),
}

_FAMILY = {
    "devtools": "CodePipeline CodeBuild CodeDeploy CodeCommit CodeArtifact CodeStarConnections "
    "CodeConnections CodeStarNotifications",
    "compute": "Lambda EC2 ECS EKS AutoScaling Batch ElasticBeanstalk AppRunner Serverless",
    "storage": "S3 EFS FSx Backup ECR",
    "integration": "SNS SQS Events Scheduler Pipes StepFunctions AppSync",
    "security": "KMS IAM SecretsManager CertificateManager WAFv2 Cognito",
    "management": "CloudWatch Logs CloudTrail Config SSM CloudFormation",
    "database": "DynamoDB RDS ElastiCache Neptune DocDB",
    "network": "ApiGateway ApiGatewayV2 ElasticLoadBalancingV2 CloudFront Route53",
}
_SERVICE_FAMILY = {svc: fam for fam, names in _FAMILY.items() for svc in names.split()}

# Readable singular names for the types the diagram talks about; others are derived from the type.
_NAMES = {
    "AWS::CodePipeline::Pipeline": "pipeline",
    "AWS::CodeBuild::Project": "CodeBuild project",
    "AWS::CodeBuild::ReportGroup": "CodeBuild report group",
    "AWS::CodeDeploy::Application": "CodeDeploy application",
    "AWS::CodeDeploy::DeploymentGroup": "CodeDeploy deployment group",
    "AWS::Lambda::Function": "Lambda function",
    "AWS::Lambda::Version": "Lambda version",
    "AWS::Lambda::Alias": "Lambda alias",
    "AWS::S3::Bucket": "S3 bucket",
    "AWS::SNS::Topic": "SNS topic",
    "AWS::SNS::Subscription": "SNS subscription",
    "AWS::SQS::Queue": "SQS queue",
    "AWS::Events::Rule": "EventBridge rule",
    "AWS::KMS::Key": "KMS key",
    "AWS::CloudTrail::Trail": "CloudTrail trail",
    "AWS::Logs::LogGroup": "log group",
    "AWS::CloudWatch::Alarm": "CloudWatch alarm",
    "AWS::CloudWatch::Dashboard": "CloudWatch dashboard",
    "AWS::IAM::Role": "IAM role",
    "AWS::IAM::Policy": "IAM policy",
    "AWS::IAM::ManagedPolicy": "IAM managed policy",
}


def service_of(rtype: str) -> str:
    """The palette family of a resource type (`AWS::S3::Bucket` -> storage)."""
    parts = rtype.split("::")
    return _SERVICE_FAMILY.get(parts[1], "other") if len(parts) > 2 else "other"


def type_name(rtype: str, n: int = 1) -> str:
    """`AWS::S3::Bucket` -> `S3 bucket`; plural when n != 1."""
    name = _NAMES.get(rtype)
    if name is None:
        parts = rtype.split("::")
        if len(parts) > 2:
            words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", parts[-1]).lower()
            name = f"{parts[1]} {words}"
        else:
            name = rtype or "resource"
    if n == 1:
        return name
    if name.endswith("y") and not name.endswith(("ay", "ey", "oy")):
        return name[:-1] + "ies"
    return name + ("es" if name.endswith(("s", "x", "ch")) else "s")


def counted(n: int, rtype: str) -> str:
    """`3 S3 buckets`."""
    return f"{n} {type_name(rtype, n)}"


# ---------------------------------------------------------------------------------------------
# The model: cards (boxes), flows (columns of cards with arrows), panels, edges
# ---------------------------------------------------------------------------------------------

Line = tuple[str, str]  # (text, style): style "" plain, "dim" secondary, "warn" something missing


@dataclass
class Card:
    """One box: a resource (or a few), an action, or a reference to something drawn elsewhere."""

    key: str  # unique within the diagram; arrows name cards by key
    service: str  # palette family
    kind: str  # small caps line: what it is
    title: str
    lines: list[Line] = field(default_factory=list)
    ids: tuple[str, ...] = ()  # the logical ids (or action ids) it stands for
    # Dashed outline: "above" (drawn in full earlier), "outside" (not in this template), "none" (absent)
    elsewhere: str = ""
    chips: list[Card] = field(default_factory=list)  # nested resources (an action's project)
    tip: str = ""
    plain: bool = False  # white inside, for cards that sit on a tinted stage
    order: int = 0  # an action's run order within its stage


@dataclass
class Stage:
    index: int
    name: str
    actions: list[Card]


@dataclass
class PipelineView:
    lid: str
    title: str
    lines: list[Line]
    stages: list[Stage]


@dataclass
class Flow:
    """Cards in columns, left to right, with arrows between them (card keys and a label)."""

    columns: list[list[Card]]
    arrows: list[tuple[str, str, str]]


@dataclass
class Panel:
    title: str
    note: str = ""
    flows: list[Flow] = field(default_factory=list)
    grid: list[Card] = field(default_factory=list)


@dataclass(frozen=True)
class Edge:
    """A relationship the diagram shows: source and target are logical ids, or action ids
    `<pipeline id>/<stage>/<action>` for pipeline actions."""

    source: str
    target: str
    label: str


class Diagram:
    """An architecture diagram: SVG in notebooks (`_repr_svg_`), an outline as text (`repr`).

    JupyterLab renders SVG only for trusted output; a notebook opened from a fresh clone shows the
    text outline until the cell runs, so the outline carries the same content as the drawing.
    """

    def __init__(
        self,
        title: str,
        svg: str,
        text: str,
        edges: tuple[Edge, ...],
        stages: tuple[str, ...],
        shown: frozenset[str],
    ) -> None:
        self.title = title
        self.svg = svg
        self.text = text
        self.edges = edges
        self.stages = stages  # "<pipeline label>: <stage>" in pipeline order
        self.shown = shown  # every logical id the diagram accounts for

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return self.text

    def has_edge(self, source: str, target: str, label: str | None = None) -> bool:
        return any(
            e.source == source and e.target == target and (label is None or e.label == label)
            for e in self.edges
        )
