"""Scenario 09: names that carry the environment, and the tags every taggable resource needs.

No existing tool reports either: cdk-nag has no tagging rule, and cfn-lint and CDK's validation
check a name's length and characters but not what it says. Which types are taggable comes from
data, not from a list of ours: the CloudFormation resource schemas cfn-lint ships (their
`tagging` section, or a `Tags` property for the few schemas without one). The names that matter
are the ones a service keeps unique per account and Region (S3: per partition, across all
accounts): two environments deployed from the same code must not share them.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path

from pitfalls.checks import Violation, check
from pitfalls.templates import Json, Template

# The tag keys every taggable resource must carry; `PITFALLS_REQUIRED_TAGS=Project,Environment,Owner`
# (comma-separated) replaces them, and `requiring_tags(...)` does so for a block of code.
DEFAULT_REQUIRED_TAGS = ("Project", "Environment")
REQUIRED_TAGS_VARIABLE = "PITFALLS_REQUIRED_TAGS"
ENVIRONMENT_TAG = "Environment"

# Name properties of the types whose names are unique per account and Region (S3 bucket names:
# per partition, across every account). Each is a create-only property in its schema, so changing
# a name replaces the resource (tests/test_naming_and_tagging.py checks that against the schemas).
NAME_PROPERTIES: dict[str, str] = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::CodeBuild::Project": "Name",
    "AWS::CodeBuild::ReportGroup": "Name",
    "AWS::CodePipeline::Pipeline": "Name",
    "AWS::CodeDeploy::Application": "ApplicationName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Events::Rule": "Name",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::SSM::Parameter": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::CloudTrail::Trail": "TrailName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::ECR::Repository": "RepositoryName",
}

# Words that name an environment, to find the one a template's names are meant for.
ENVIRONMENT_WORDS = frozenset(
    "dev development test testing qa uat stage staging preprod prod production sandbox demo".split()
)

# Pseudo parameters that are the same for two environments in one account and Region.
_SAME_EVERYWHERE = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix"}

# Names CDK makes up from the stack name and construct path (PhysicalName.GENERATE_IF_NEEDED,
# the pipeline's KMS alias): a hex hash glued to the last word, unique per stack.
_CDK_GENERATED = re.compile(r"[g-z][0-9a-f]{8,}$")


def required_tags() -> tuple[str, ...]:
    """The tag keys in force: PITFALLS_REQUIRED_TAGS if set, else Project and Environment."""
    raw = os.environ.get(REQUIRED_TAGS_VARIABLE, "")
    keys = tuple(k.strip() for k in raw.split(",") if k.strip())
    return keys or DEFAULT_REQUIRED_TAGS


@contextmanager
def requiring_tags(*keys: str) -> Iterator[None]:
    """Run the checks of a block with another set of required tag keys."""
    before = os.environ.get(REQUIRED_TAGS_VARIABLE)
    os.environ[REQUIRED_TAGS_VARIABLE] = ",".join(keys)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(REQUIRED_TAGS_VARIABLE, None)
        else:
            os.environ[REQUIRED_TAGS_VARIABLE] = before


# --- the resource schemas (cfn-lint's copy, read as files: no cfn-lint import) -----------------


def schema_dir() -> Path:
    """cfn-lint's CloudFormation resource schemas, located without importing cfn-lint."""
    spec = find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("cfn-lint is not installed: its resource schemas decide what is taggable")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"


@lru_cache(maxsize=1)
def _schema_index() -> dict[str, str]:
    return dict(json.loads((schema_dir() / "providers" / "us-east-1.json").read_text()))


@cache
def resource_schema(resource_type: str) -> dict[str, Json] | None:
    """The CloudFormation schema of a resource type, or None for types it does not know."""
    digest = _schema_index().get(resource_type)
    if digest is None:
        return None
    data: dict[str, Json] = json.loads((schema_dir() / "resources" / f"{digest}.json").read_text())
    return data


@cache
def tag_property(resource_type: str) -> str | None:
    """The property that holds a type's tags, or None when the type cannot be tagged."""
    schema = resource_schema(resource_type)
    if schema is None:
        return None  # Custom::..., AWS::CDK::Metadata and other types with no schema
    tagging = schema.get("tagging")
    if isinstance(tagging, dict):
        if not tagging.get("taggable", False):
            return None
        return str(tagging.get("tagProperty", "/properties/Tags")).rsplit("/", 1)[-1]
    return "Tags" if "Tags" in (schema.get("properties") or {}) else None


def tag_values(value: Json) -> dict[str, Json] | None:
    """Tags as {key: value}, from a list of {Key, Value} or a map; None when not plain data."""
    if value is None:
        return {}
    if isinstance(value, dict):
        if any(k.startswith("Fn::") or k == "Ref" for k in value):
            return None  # computed at deploy time: cannot say what it holds
        return dict(value)
    if isinstance(value, list):
        out: dict[str, Json] = {}
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("Key"), str):
                return None
            out[item["Key"]] = item.get("Value")
        return out
    return None


def _made_by_cdk_provider(t: Template, lid: str) -> bool:
    """Resources of CDK's own custom-resource providers: Tags.of() cannot reach them."""
    path = t.cdk_path(lid) or ""
    return any(part.startswith("Custom::") for part in path.split("/")) or (
        lid.startswith("Custom") and "CustomResourceProvider" in lid
    )


@check(
    id="PP09-MISSING-TAGS",
    scenario=9,
    severity="warning",
    requirement="Every taggable resource carries the required tags (default: Project, Environment).",
    rationale=(
        "Cost allocation, ownership and clean-up all start from tags: an untagged resource shows "
        "up in the bill as nobody's, and tag-based access policies and budgets do not see it. "
        "CloudFormation adds no tags of yours by itself."
    ),
    fix="Tags.of(app).add('Project', ...) and Tags.of(app).add('Environment', ...) (or on a stage or stack)",
    source_url="https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/tagging-best-practices.html",
)
def missing_tags(t: Template) -> Iterator[Violation]:
    keys = required_tags()
    for lid, body in t.resources_all():
        prop = tag_property(str(body.get("Type", "")))
        if prop is None or _made_by_cdk_provider(t, lid):
            continue
        tags = tag_values(t.props(lid).get(prop))
        if tags is None:
            continue
        missing = [k for k in keys if tags.get(k) in (None, "")]
        if missing:
            yield lid, f"missing tag{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"


# --- names ------------------------------------------------------------------------------------


def literal_name(value: Json) -> str | None:
    """A name as text when it is the same wherever it is deployed, else None.

    A plain string, or a Join/Sub of strings and pseudo parameters that do not tell two
    environments apart (Region, account). Anything that refers to a parameter, the stack name or
    another resource can differ per environment, so it is not judged.
    """
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (fn, arg), = value.items()
    if fn == "Ref" and arg in _SAME_EVERYWHERE:
        return "${" + str(arg) + "}"
    if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        parts = [literal_name(p) for p in arg[1]] if isinstance(arg[1], list) else [None]
        return None if any(p is None for p in parts) else arg[0].join(str(p) for p in parts)
    if fn == "Fn::Sub" and isinstance(arg, str):
        refs = re.findall(r"\$\{([^}!]+)\}", arg)
        return arg if all(r in _SAME_EVERYWHERE for r in refs) else None
    return None


def name_words(name: str) -> list[str]:
    """The words of a name: split on anything but letters and digits, and on camelCase."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def carries(name: str, environment: str) -> bool:
    """Whether the environment's words appear, in order and together, among the name's words."""
    words, env = name_words(name), name_words(environment)
    return bool(env) and any(words[i : i + len(env)] == env for i in range(len(words)))


@dataclass(frozen=True)
class PhysicalName:
    """The name a resource will get: literal text, generated by CloudFormation, or computed."""

    resource: str
    type: str
    prop: str
    text: str | None  # the literal name; None when generated or computed
    how: str  # "literal" | "generated" | "computed" | "cdk-generated"


def physical_names(t: Template) -> list[PhysicalName]:
    """Every resource of a type with a unique name, and how its name is decided."""
    out = []
    for rtype, prop in NAME_PROPERTIES.items():
        for lid, _ in t.resources(rtype):
            raw = t.props(lid).get(prop)
            if raw is None:
                out.append(PhysicalName(lid, rtype, prop, None, "generated"))
                continue
            text = literal_name(raw)
            if text is None:
                out.append(PhysicalName(lid, rtype, prop, None, "computed"))
            elif _CDK_GENERATED.search(text):
                out.append(PhysicalName(lid, rtype, prop, text, "cdk-generated"))
            else:
                out.append(PhysicalName(lid, rtype, prop, text, "literal"))
    return out


def environment_of(t: Template) -> str | None:
    """The environment a template is for: its Environment tag, else the one its names carry."""
    tagged: Counter[str] = Counter()
    for lid, body in t.resources_all():
        prop = tag_property(str(body.get("Type", "")))
        tags = tag_values(t.props(lid).get(prop)) if prop else None
        value = (tags or {}).get(ENVIRONMENT_TAG)
        if isinstance(value, str) and value:
            tagged[value] += 1
    if tagged:
        return tagged.most_common(1)[0][0]
    named: Counter[str] = Counter()
    for n in physical_names(t):
        if n.how == "literal" and n.text:
            named.update(w for w in set(name_words(n.text)) if w in ENVIRONMENT_WORDS)
    return named.most_common(1)[0][0] if named else None


@check(
    id="PP09-NAME-WITHOUT-ENVIRONMENT",
    scenario=9,
    severity="warning",
    requirement="A fixed physical name carries the environment (or is left to CloudFormation).",
    rationale=(
        "Names of buckets, functions, topics, roles and log groups are unique per account and "
        "Region (bucket names across all accounts), and CloudFormation wants custom names unique "
        "across active stacks: deploy dev and prod from the same code with the same fixed name "
        "and they collide, and a custom-named resource can never be replaced by an update."
    ),
    fix="Leave the name out, or build it with one helper: f'{project}-{environment}-{purpose}'",
    source_url="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html",
)
def name_without_environment(t: Template) -> Iterator[Violation]:
    env = environment_of(t)
    for n in physical_names(t):
        if n.how != "literal" or n.text is None:
            continue  # generated or computed names differ per stack already
        if env is not None and not carries(n.text, env):
            yield n.resource, f"{n.prop} {n.text!r} does not carry the environment {env!r}"
        elif env is None and not ENVIRONMENT_WORDS & set(name_words(n.text)):
            yield n.resource, f"{n.prop} {n.text!r} names no environment: every one would share it"


# --- two environments side by side (not a check: it needs two templates) ----------------------


@dataclass(frozen=True)
class NamePair:
    resource: str
    type: str
    a: str  # the name in the first template, or "(generated)" / "(computed)" / "(absent)"
    b: str
    shared: bool  # the same literal name in both


def _shown(n: PhysicalName | None) -> str:
    if n is None:
        return "(absent)"
    return n.text if n.text is not None else f"({n.how})"


def compare_names(a: Template, b: Template) -> list[NamePair]:
    """The names of the same resources in two templates (same code, two environments)."""
    left = {n.resource: n for n in physical_names(a)}
    right = {n.resource: n for n in physical_names(b)}
    out = []
    for lid in list(left) + [r for r in right if r not in left]:
        x, y = left.get(lid), right.get(lid)
        shared = bool(x and y and x.text is not None and x.text == y.text)
        rtype = x.type if x else y.type if y else ""
        out.append(NamePair(lid, rtype, _shown(x), _shown(y), shared))
    return out


def tag_keys(t: Template) -> list[str]:
    """Every tag key used on the template's resources, sorted."""
    keys: set[str] = set()
    for lid, body in t.resources_all():
        prop = tag_property(str(body.get("Type", "")))
        tags = tag_values(t.props(lid).get(prop)) if prop else None
        keys.update(tags or {})
    return sorted(keys)


def schema_name_limit(resource_type: str, prop: str) -> tuple[int, str] | None:
    """The longest value a name property accepts, per its schema: (length, where it says so)."""
    schema = resource_schema(resource_type) or {}
    spec = (schema.get("properties") or {}).get(prop) or {}
    if isinstance(spec.get("maxLength"), int):
        return spec["maxLength"], "maxLength"
    # No maxLength: the first bounded repetition of the pattern ({1,64} for Lambda).
    m = re.search(r"\{\d+,(\d+)\}", str(spec.get("pattern", "")))
    return (int(m.group(1)), "pattern") if m else None
