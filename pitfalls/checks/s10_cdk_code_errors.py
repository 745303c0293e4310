"""Scenario 10: CDK code errors. Most never reach a template: a v1 import, a camelCase keyword, a
string for a Runtime, a missing argument and a duplicate construct id all raise in Python before
anything is synthesized (the notebook shows them, and mypy catching them earlier). Two kinds do
reach the template, and only those can be checked here:

- a property name in the wrong case in an escape hatch (`add_property_override("tracingConfig")`):
  CDK's own validation reports it (F3002/F3003, mapped to this scenario in `pitfalls.checks.tools`);
- one scope that creates every resource itself, the 300-line stack: `aws:cdk:path` metadata shows
  which scope made each resource, and that is this module's check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pitfalls.checks import Violation, check
from pitfalls.templates import Template

# The concerns of a delivery app, by the service a resource belongs to. Services that serve
# another (IAM, KMS, Logs) belong with what they serve and are not a concern of their own.
CONCERNS: dict[str, str] = {
    "AWS::S3::": "storage",
    "AWS::CodeBuild::": "build",
    "AWS::CodePipeline::": "delivery",
    "AWS::CodeDeploy::": "delivery",
    "AWS::Lambda::": "application",
    "AWS::ApiGateway::": "application",
    "AWS::ApiGatewayV2::": "application",
    "AWS::DynamoDB::": "application",
    "AWS::SQS::": "application",
    "AWS::StepFunctions::": "application",
    "AWS::SNS::": "alerts",
    "AWS::Events::": "alerts",
    "AWS::CloudWatch::": "alerts",
}
# A scope that makes resources of this many concerns itself has stopped being one thing.
MAX_CONCERNS = 3

# CDK's own singletons sit at stack level (LogRetention<uuid>, Custom::...Provider): not the author's.
_SINGLETON = re.compile(r"[0-9a-f]{32}$|^Custom::")


def concern_of(resource_type: str) -> str | None:
    return next((c for prefix, c in CONCERNS.items() if resource_type.startswith(prefix)), None)


def owner_scope(path: str) -> str | None:
    """The construct that created a resource's L2 (or the L1 itself), from its aws:cdk:path."""
    parts = path.split("/")
    if len(parts) < 2:
        return None
    # "Stack/Scope/Bucket/Resource": the L2 is Bucket, made by Stack/Scope. "Stack/Scope/CfnX": an
    # L1 made by Stack/Scope directly.
    l2 = parts[:-1] if parts[-1] in ("Resource", "Default") else parts
    if len(l2) < 2 or any(_SINGLETON.search(p) for p in l2[1:]):
        return None
    return "/".join(l2[:-1])


@check(
    id="PP10-MONOLITHIC-SCOPE",
    scenario=10,
    severity="warning",
    requirement="No one scope creates the resources of more than three concerns itself.",
    rationale=(
        "A stack that makes the bucket, the build, the function, the alerts and the pipeline in "
        "one constructor is the 300-line stack: nothing in it can be reused, tested or reviewed "
        "alone, and every change touches everything. Small constructs, one per concern, can."
    ),
    fix="One Construct class per concern (source, build, function, alerts), composed by the stack",
    source_url="https://docs.aws.amazon.com/cdk/v2/guide/best-practices.html",
)
def monolithic_scope(t: Template) -> Iterator[Violation]:
    scopes: dict[str, list[tuple[str, str | None]]] = {}
    for lid, body in t.resources_all():
        path = t.cdk_path(lid)
        scope = owner_scope(path) if path else None
        if scope is not None:
            scopes.setdefault(scope, []).append((lid, concern_of(str(body.get("Type", "")))))
    for scope, made in scopes.items():
        concerns = sorted({c for _, c in made if c})
        if len(concerns) > MAX_CONCERNS:
            first = next(lid for lid, c in made if c)
            yield first, (
                f"{scope} makes {len(made)} constructs itself, across {len(concerns)} concerns "
                f"({', '.join(concerns)})"
            )
