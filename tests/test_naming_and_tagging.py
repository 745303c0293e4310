"""Scenario 09: what is taggable and how long a name may be come from the resource schemas; the
naming helper keeps environments apart; dev and prod share no name and the same tag keys."""

from __future__ import annotations

import os

import pytest

from pitfalls.checks.s09_naming_and_tagging import (
    NAME_PROPERTIES,
    REQUIRED_TAGS_VARIABLE,
    carries,
    compare_names,
    environment_of,
    literal_name,
    required_tags,
    requiring_tags,
    resource_schema,
    schema_name_limit,
    tag_keys,
    tag_property,
)
from pitfalls.templates import Template
from solutions.naming_and_tagging import NAME_LIMITS, Naming


@pytest.mark.parametrize("rtype", sorted(NAME_LIMITS))
def test_helper_limits_are_the_schemas(rtype: str) -> None:
    found = schema_name_limit(rtype, NAME_PROPERTIES[rtype])
    assert found is not None and found[0] == NAME_LIMITS[rtype]


@pytest.mark.parametrize("rtype", sorted(NAME_PROPERTIES))
def test_name_properties_are_create_only_names(rtype: str) -> None:
    schema = resource_schema(rtype)
    assert schema is not None, rtype
    prop = NAME_PROPERTIES[rtype]
    assert prop in schema["properties"]
    assert f"/properties/{prop}" in schema.get("createOnlyProperties", [])


@pytest.mark.parametrize(
    "rtype, expected",
    [
        ("AWS::S3::Bucket", "Tags"),
        ("AWS::Lambda::Function", "Tags"),
        ("AWS::IAM::Role", "Tags"),
        ("AWS::CodeBuild::Project", "Tags"),  # no tagging section: a Tags property decides
        ("AWS::S3::BucketPolicy", None),
        ("AWS::Lambda::Alias", None),
        ("AWS::IAM::Policy", None),
        ("Custom::S3AutoDeleteObjects", None),
        ("AWS::CDK::Metadata", None),
    ],
)
def test_taggable_types_come_from_the_schemas(rtype: str, expected: str | None) -> None:
    assert tag_property(rtype) == expected


def test_required_tags_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRED_TAGS_VARIABLE, raising=False)
    assert required_tags() == ("Project", "Environment")
    with requiring_tags("Project", "Owner"):
        assert required_tags() == ("Project", "Owner")
    assert REQUIRED_TAGS_VARIABLE not in os.environ
    monkeypatch.setenv(REQUIRED_TAGS_VARIABLE, " Team , CostCenter ")
    assert required_tags() == ("Team", "CostCenter")


def test_name_words_and_environment() -> None:
    assert carries("pipeline-pitfalls-dev-alerts", "dev")
    assert carries("PipelinePitfallsProdBuild", "prod")
    assert carries("/app/pr-123/logs", "pr-123")
    assert not carries("pipeline-pitfalls-devices", "dev")
    assert literal_name({"Fn::Join": ["-", ["app", {"Ref": "AWS::Region"}]]}) == "app-${AWS::Region}"
    assert literal_name({"Fn::Join": ["-", ["app", {"Ref": "Stage"}]]}) is None
    assert literal_name({"Fn::Sub": "app-${AWS::StackName}"}) is None


def test_environment_from_tags_first_then_names() -> None:
    tagged = Template({"Resources": {
        "T": {"Type": "AWS::SNS::Topic", "Properties": {
            "TopicName": "x-dev-alerts", "Tags": [{"Key": "Environment", "Value": "prod"}]}},
    }})
    assert environment_of(tagged) == "prod"
    named = Template({"Resources": {
        "T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "x-dev-alerts"}},
    }})
    assert environment_of(named) == "dev"


def test_naming_helper() -> None:
    n = Naming("pipeline-pitfalls", "prod")
    assert n.name("alerts") == "pipeline-pitfalls-prod-alerts"
    assert n.log_group_name("app") == "/pipeline-pitfalls/prod/app"
    assert n.tags() == {"Project": "pipeline-pitfalls", "Environment": "prod"}
    with pytest.raises(ValueError, match="has 65 characters; the limit is 64"):
        Naming("pipeline-pitfalls", "staging").name(
            "deployment-failure-notification-handler", limit=64
        )
    with pytest.raises(ValueError, match="lower-case words"):
        Naming("Pipeline Pitfalls", "dev")
    with pytest.raises(ValueError, match="lower-case words"):
        n.name("Alerts_Topic")


def test_dev_and_prod_share_no_name_and_the_same_tag_keys() -> None:
    from pitfalls.evidence.synth import synth_app
    from solutions.naming_and_tagging import build_environment

    dev, prod = (
        Template(synth_app(build_environment, context={"stage": s}, nag=False)[f"Service-{s}"]
                 .template)
        for s in ("dev", "prod")
    )
    pairs = compare_names(dev, prod)
    assert pairs and not any(p.shared for p in pairs)
    assert tag_keys(dev) == tag_keys(prod) == ["CostCenter", "Environment", "Owner", "Project"]
