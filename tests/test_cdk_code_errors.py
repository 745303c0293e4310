"""Unit tests of scenario 10's constructs, one per concern, with aws_cdk.assertions.

Each test builds one construct in a fresh stack and asserts on the template CDK makes of it:
`Template.from_stack`, then `has_resource_properties` with `Match` where only part of a value
matters. They run in CI with the rest of tests/, and notebook 10 runs this file.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Match, Template

from solutions.cdk_code_errors import (
    AlertsProps,
    AppFunction,
    BuildProject,
    BuildProps,
    DeliveryAppProps,
    DeliveryStack,
    FailureAlerts,
    FunctionProps,
    SourceProps,
    SourceStore,
)
from solutions.codebuild_configuration import build_spec_for_tests


def new_stack() -> Stack:
    return Stack(App(), "Test")


def test_source_store_is_versioned_private_and_expires_old_versions() -> None:
    stack = new_stack()
    SourceStore(stack, "Source", SourceProps(keep_old_versions_days=7))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::Bucket", 1)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": Match.object_like({"RestrictPublicBuckets": True}),
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [Match.object_like({"NoncurrentVersionExpiration": {"NoncurrentDays": 7}})]
                )
            },
        },
    )
    # enforce_ssl: the bucket policy denies any request without TLS.
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({
                        "Effect": "Deny",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    })]
                )
            }
        },
    )


def test_build_project_runs_on_the_pinned_linux_image_with_its_variables() -> None:
    stack = new_stack()
    BuildProject(
        stack,
        "Build",
        BuildProps(build_spec=build_spec_for_tests(), environment_variables={"APP_STAGE": "dev"}),
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::CodeBuild::Project",
        {
            "Environment": Match.object_like({
                "Type": "LINUX_CONTAINER",
                "Image": "aws/codebuild/standard:7.0",
                "EnvironmentVariables": [{"Name": "APP_STAGE", "Type": "PLAINTEXT", "Value": "dev"}],
            }),
            "TimeoutInMinutes": 15,
            "QueuedTimeoutInMinutes": 30,
            "LogsConfig": {"CloudWatchLogs": Match.object_like({"Status": "ENABLED"})},
        },
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})


def test_app_function_is_traced_and_published_behind_live() -> None:
    stack = new_stack()
    AppFunction(stack, "App", FunctionProps(stage="prod", memory_mb=512))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "nodejs24.x",
            "MemorySize": 512,
            "TracingConfig": {"Mode": "Active"},
            "Environment": {"Variables": {"APP_STAGE": "prod"}},
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Alias",
        {"Name": "live", "FunctionVersion": Match.object_like({"Fn::GetAtt": Match.any_value()})},
    )


def test_failure_alerts_send_failed_builds_to_the_topic() -> None:
    stack = new_stack()
    build = BuildProject(stack, "Build", BuildProps(build_spec=build_spec_for_tests()))
    FailureAlerts(stack, "Alerts", AlertsProps(projects=[build.project], emails=["ops@example.com"]))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.codebuild"],
                "detail-type": ["CodeBuild Build State Change"],
                "detail": {"build-status": ["FAILED"], "project-name": [Match.any_value()]},
            },
            "Targets": [Match.object_like({"Arn": {"Ref": Match.string_like_regexp("AlertsTopic")}})],
        },
    )
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


def test_stack_composes_the_four_concerns_and_is_clean() -> None:
    from pitfalls.checks import run_checks
    from pitfalls.templates import Template as Plain

    app = App(context={"aws:cdk:enable-path-metadata": True})  # paths say which scope made what
    stack = DeliveryStack(app, "Delivery", props=DeliveryAppProps(stage="dev"))
    template = Template.from_stack(stack)
    for rtype, count in [("AWS::S3::Bucket", 1), ("AWS::CodeBuild::Project", 1),
                         ("AWS::Lambda::Function", 1), ("AWS::SNS::Topic", 1),
                         ("AWS::Events::Rule", 1)]:
        template.resource_count_is(rtype, count)
    # Every resource sits in the construct of its concern: Delivery/<Source|Build|App|Alerts>/...
    paths = [r["Metadata"]["aws:cdk:path"] for r in template.to_json()["Resources"].values()
             if "aws:cdk:path" in r.get("Metadata", {})]
    assert paths and all(p.split("/")[2] in {"Source", "Build", "App", "Alerts"} for p in paths)
    assert [f for f in run_checks(Plain(template.to_json(), "Delivery")) if f.scenario == 10] == []


def test_props_are_typed_and_frozen() -> None:
    props = SourceProps()
    with pytest.raises(dataclasses.FrozenInstanceError):
        props.keep_old_versions_days = 1  # type: ignore[misc]
    bad: dict[str, Any] = {"keepOldVersionsDays": 7}
    with pytest.raises(TypeError, match="unexpected keyword argument 'keepOldVersionsDays'"):
        SourceProps(**bad)
