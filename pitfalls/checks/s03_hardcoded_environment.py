"""Scenario 03: no account, region or environment typed into the app.

Read these findings on an environment-agnostic synth (a stack without `env`): CDK then writes
`${AWS::Region}` and `${AWS::AccountId}` wherever it builds an ARN, so every literal left is one
somebody typed. A stack synthesized for a concrete environment gets that region and account
written into its ARNs by CDK itself; the checks skip those values (the template records them,
see `Template.region`) and report only the others. No tool checks this: cfn-lint and cdk-nag
accept any literal ARN.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pitfalls.checks import Violation, check
from pitfalls.templates import Json, Template

REGION_RE = re.compile(
    r"(?<![a-z0-9-])(?:af|ap|ca|cn|eu|eusc|il|me|mx|sa|us|us-gov|us-iso|us-isob)-"
    r"(?:central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2}(?![0-9a-z])"
)
# An account id where ARNs and principals hold one: between colons, or the whole value.
ACCOUNT_RE = re.compile(r"(?:^|:)(\d{12})(?=:|$)")

# Physical-name properties: set one and CloudFormation can create that resource once per
# account (or, for buckets, once in all of AWS).
NAME_PROPS: dict[str, str] = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::CodeBuild::Project": "Name",
    "AWS::CodePipeline::Pipeline": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::KMS::Alias": "AliasName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SSM::Parameter": "Name",
    "AWS::CloudWatch::Alarm": "AlarmName",
}
# Words that say which environment a name belongs to.
STAGE_WORDS = frozenset(
    {"dev", "development", "test", "testing", "qa", "uat", "stage", "staging", "preprod",
     "prod", "production", "sandbox"}
)


def string_leaves(value: Json, path: str = "", in_fn: bool = False) -> Iterator[tuple[str, str]]:
    """(property path, string) for every string inside a value, intrinsics included; the path
    names properties and list positions, not the parts of an Fn::Join."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k.startswith("Fn::") or k == "Ref":
                yield from string_leaves(v, path, True)
            else:
                yield from string_leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from string_leaves(v, path if in_fn else f"{path}[{i}]", in_fn)


def _leaves(t: Template, lid: str) -> Iterator[tuple[str, str]]:
    yield from string_leaves(t.props(lid))


def _report(found: dict[str, list[str]]) -> str:
    return "; ".join(f"{lit} in {', '.join(sorted(set(paths))[:3])}" for lit, paths in found.items())


@check(
    id="PP03-LITERAL-REGION",
    needs_environment=True,
    scenario=3,
    severity="warning",
    requirement="No region code is typed into a resource; ARNs take the stack's region.",
    rationale=(
        "An ARN or setting that says us-east-1 points at us-east-1 from every region the stack "
        "is deployed to: the stack deploys, and the function calls a topic in another region, or "
        "one that does not exist there."
    ),
    fix=(
        "Stack.of(self).format_arn(service='sns', resource=name), Stack.of(self).region, or a "
        "construct's own attribute (topic.topic_arn); Lambda sets AWS_REGION by itself."
    ),
    source_url="https://docs.aws.amazon.com/cdk/v2/guide/environments.html",
)
def literal_region(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources_all():
        found: dict[str, list[str]] = {}
        for path, text in _leaves(t, lid):
            for m in REGION_RE.finditer(text):
                if m.group(0) != t.region:
                    found.setdefault(m.group(0), []).append(path or "(value)")
        if found:
            yield lid, "region typed in: " + _report(found)


@check(
    id="PP03-LITERAL-ACCOUNT",
    needs_environment=True,
    scenario=3,
    severity="warning",
    requirement="No account id is typed into a resource; ARNs take the stack's account.",
    rationale=(
        "An ARN with a typed-in account id points at that account from every account the stack "
        "is deployed to: dev writes to prod's topic, or every call fails as not authorized."
    ),
    fix=(
        "Stack.of(self).format_arn(...) or Stack.of(self).account (the ${AWS::AccountId} "
        "pseudo parameter in an environment-agnostic stack)."
    ),
    source_url="https://docs.aws.amazon.com/cdk/v2/guide/environments.html",
)
def literal_account(t: Template) -> Iterator[Violation]:
    for lid, _ in t.resources_all():
        found: dict[str, list[str]] = {}
        for path, text in _leaves(t, lid):
            if ":layer:" in text:
                continue  # a layer version ARN names its publisher's account by design
            for m in ACCOUNT_RE.finditer(text):
                if m.group(1) != t.account:
                    found.setdefault(m.group(1), []).append(path or "(value)")
        if found:
            yield lid, "account id typed in: " + _report(found)


def physical_names(t: Template) -> dict[str, tuple[str, Json]]:
    """Logical id -> (name property, value) for every resource given a physical name."""
    out: dict[str, tuple[str, Json]] = {}
    for rtype, prop in NAME_PROPS.items():
        for lid, _ in t.resources(rtype):
            value = t.props(lid).get(prop)
            if value is not None:
                out[lid] = (prop, value)
    return out


# Names CDK generates itself, unique per stack: the artifact key alias of a CodePipeline.
CDK_GENERATED_NAMES = ("alias/codepipeline-",)


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _stage_specific(name: str, stack: str) -> bool:
    """The name says its stage, or includes the stack's own name (unique per deployment)."""
    if name.startswith(CDK_GENERATED_NAMES):
        return True
    if STAGE_WORDS & set(re.split(r"[^a-z0-9]+", name.lower())):
        return True
    return len(_alnum(stack)) >= 4 and _alnum(stack) in _alnum(name)


@check(
    id="PP03-FIXED-NAME",
    scenario=3,
    severity="warning",
    requirement="A physical name carries the stage it belongs to, or is left to CloudFormation.",
    rationale=(
        "A name typed in without the stage is the same in dev and prod: the second stack to "
        "deploy fails because the name is taken (bucket names in all of AWS, role names per "
        "account, most others per account and region), and replacing the resource fails too."
    ),
    fix=(
        "Leave the name out (CloudFormation generates a unique one) or derive it from the "
        "configuration: function_name=config.name('app') -> pipeline-pitfalls-prod-app."
    ),
    source_url="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html",
)
def fixed_name(t: Template) -> Iterator[Violation]:
    for lid, (prop, value) in physical_names(t).items():
        if isinstance(value, str) and not _stage_specific(value, t.name):
            yield lid, f"{prop} is the literal {value!r}, the same in every stage"
