"""Scenario 02: acknowledged findings stay in CDK's report with their reasons; only what CDK's own
grants wrote is acknowledged (real wildcards and wildcards a person wrote never are); the ids are
the ones CDK 2.275 and cdk-nag 3.0.2 match."""

from __future__ import annotations

from typing import Any

import pytest

from pitfalls.evidence.synth import synth, synth_app
from solutions.iam_least_privilege import (
    acknowledge_managed_policy,
    acknowledge_scoped_grants,
    cdk_grant_shapes,
    flatten,
    grant_of,
    scoped_wildcards,
)

IAM5 = "AwsSolutions-IAM5"


def _reader(stack: Any) -> tuple[Any, Any]:
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3

    bucket = s3.Bucket(stack, "Artifacts")
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"))
    bucket.grant_read(role)
    return bucket, role


def _object_finding(stack: Any, bucket: Any) -> str:
    logical_id = stack.resolve(stack.get_logical_id(bucket.node.default_child))
    return f"{IAM5}[Resource::<{logical_id}.Arn>/*]"


def test_scoped_grants_are_kept_with_their_reason() -> None:
    def build(stack: Any) -> None:
        _, role = _reader(stack)
        acknowledge_scoped_grants(role, reason="objects of one bucket")

    r = synth(build)
    assert not [f for f in r.findings if f.check.startswith(IAM5)]
    kept = [f for f in r.suppressed if f.check.startswith(IAM5)]
    assert {f.check.split("[", 1)[1] for f in kept} >= {
        "Action::s3:GetObject*]", "Action::s3:GetBucket*]", "Action::s3:List*]",
    }
    assert all(f.reason.startswith("objects of one bucket: bucket.grant_read on Artifacts") for f in kept)


@pytest.mark.parametrize(
    "form, finding, kept",
    [("", True, False), ("{}", False, False), ("AwsSolutions::{}", False, True)],
    ids=["none", "plain-id-drops-silently", "namespaced-id-is-kept"],
)
def test_acknowledgment_id_forms(form: str, finding: bool, kept: bool) -> None:
    """What notebook 02 teaches: only the namespaced id leaves a trace in the report."""
    import aws_cdk as cdk

    ids: dict[str, str] = {}

    def build(stack: Any) -> None:
        bucket, role = _reader(stack)
        ids["id"] = _object_finding(stack, bucket)
        if form:
            cdk.Validations.of(role).acknowledge(
                cdk.Acknowledgment(id=form.format(ids["id"]), reason="test")
            )

    r = synth(build)
    assert any(f.check == ids["id"] for f in r.findings) is finding
    assert any(f.check == ids["id"] and f.reason == "test" for f in r.suppressed) is kept


def test_real_wildcards_are_never_acknowledged() -> None:
    from aws_cdk import aws_iam as iam

    def build(stack: Any) -> None:
        bucket, role = _reader(stack)
        role.add_to_policy(iam.PolicyStatement(actions=["*"], resources=["*"]))
        role.add_to_policy(iam.PolicyStatement(actions=["s3:*"], resources=[bucket.bucket_arn]))
        role.add_to_policy(iam.PolicyStatement(actions=["sns:Get*"], resources=["*"]))
        acknowledge_scoped_grants(role, reason="scoped")

    r = synth(build)
    left = {f.check for f in r.findings if f.check.startswith(IAM5)}
    assert {f"{IAM5}[Action::*]", f"{IAM5}[Resource::*]", f"{IAM5}[Action::s3:*]",
            f"{IAM5}[Action::sns:Get*]"} <= left
    assert all(f.reason.startswith("scoped: bucket.grant_read on") for f in r.suppressed)


def test_a_wildcard_a_person_wrote_is_refused() -> None:
    """Scoped to the same bucket as the grant beside it, `s3:Get*` is not a CDK grant's: it stays
    a finding. And a policy a person declared is never acknowledged, even in a grant's shape."""
    from aws_cdk import aws_iam as iam

    def build(stack: Any) -> None:
        bucket, role = _reader(stack)
        role.add_to_policy(iam.PolicyStatement(actions=["s3:Get*"], resources=[bucket.arn_for_objects("*")]))
        mine = iam.Policy(stack, "Mine", statements=[iam.PolicyStatement(
            actions=["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
            resources=[bucket.bucket_arn, bucket.arn_for_objects("*")])])
        mine.attach_to_role(role)
        acknowledge_scoped_grants(stack, reason="grants")

    r = synth(build)
    left = {(f.resource[:4], f.check) for f in r.findings if f.check.startswith(IAM5)}
    assert ("Read", f"{IAM5}[Action::s3:Get*]") in left
    assert {check for res, check in left if res == "Mine"} >= {
        f"{IAM5}[Action::s3:GetObject*]", f"{IAM5}[Action::s3:List*]"}
    kept = {f.check for f in r.suppressed}
    assert f"{IAM5}[Action::s3:GetObject*]" in kept and f"{IAM5}[Action::s3:Get*]" not in kept


def test_grant_shapes_are_cdks_own() -> None:
    shapes = {(s.grant, next(iter(s.actions)).split(":")[0]): s for s in cdk_grant_shapes()}
    read = shapes["bucket.grant_read", "s3"]
    assert read.actions == {"s3:GetObject*", "s3:GetBucket*", "s3:List*"}
    assert read.resources == {"<#.Arn>", "<#.Arn>/*"}
    assert shapes["bucket.grant_read", "kms"].actions == {"kms:Decrypt", "kms:DescribeKey"}
    assert shapes["function.grant_invoke", "lambda"].resources == {"<#.Arn>", "<#.Arn>:*"}
    # CDK merges two grants on one key into one statement: both are named.
    merged = {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                            "kms:Decrypt"], "Resource": {"Fn::GetAtt": ["K", "Arn"]}}
    assert "key.grant_encrypt_decrypt" in (grant_of(merged) or "")


GRANT_READ = {"Effect": "Allow", "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
              "Resource": [{"Fn::GetAtt": ["B", "Arn"]},
                           {"Fn::Join": ["", [{"Fn::GetAtt": ["B", "Arn"]}, "/*"]]}]}


@pytest.mark.parametrize(
    "statement, expected",
    [
        (GRANT_READ, ["Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*",
                      "Resource::<B.Arn>/*"]),
        ({**GRANT_READ, "Action": ["s3:GetObject*"]}, []),
        ({**GRANT_READ, "Action": ["s3:Get*", "s3:List*"]}, []),
        ({**GRANT_READ, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}, []),
        ({**GRANT_READ, "Resource": [{"Fn::GetAtt": ["B", "Arn"]},
                                     {"Fn::Join": ["", [{"Fn::GetAtt": ["C", "Arn"]}, "/*"]]}]}, []),
        ({"Effect": "Allow", "Action": "s3:*", "Resource": {"Fn::GetAtt": ["B", "Arn"]}}, []),
        ({"Effect": "Allow", "Action": "s3:GetObject*", "Resource": "*"}, []),
        ({"Effect": "Allow", "Action": "logs:PutLogEvents",
          "Resource": {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:*"}}, []),
        ({"Effect": "Deny", "Action": "s3:Get*", "Resource": {"Fn::GetAtt": ["B", "Arn"]}}, []),
    ],
    ids=["cdk-grant", "part-of-a-grant", "hand-written", "with-condition", "two-resources",
         "whole-service", "star-resource", "pseudo-params-only", "deny"],
)
def test_scoped_wildcards(statement: dict[str, Any], expected: list[str]) -> None:
    assert scoped_wildcards(statement) == expected


def test_flatten_matches_cdk_nag_names() -> None:
    assert flatten({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::x/*"]]}) == (
        "arn:<AWS::Partition>:s3:::x/*"
    )
    assert flatten({"Fn::GetAtt": ["Key", "Arn"]}) == "<Key.Arn>"


def test_acknowledge_managed_policy_checks_the_name() -> None:
    from aws_cdk import aws_iam as iam

    seen: dict[str, str] = {}

    def build(stack: Any) -> None:
        role = iam.Role(
            stack, "Fn", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AWSLambdaBasicExecutionRole")],
        )
        seen["id"] = acknowledge_managed_policy(role, "AWSLambdaBasicExecutionRole", "logs only")
        with pytest.raises(ValueError, match="no AWS managed policy named AdministratorAccess"):
            acknowledge_managed_policy(role, "AdministratorAccess", "never")

    r = synth(build)
    assert seen["id"] == (
        "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
        "service-role/AWSLambdaBasicExecutionRole]"
    )
    assert not [f for f in r.findings if f.check.startswith("AwsSolutions-IAM4")]
    assert [f.reason for f in r.suppressed if f.check.startswith("AwsSolutions-IAM4")] == ["logs only"]


def test_idiomatic_cdk_grants_raise_no_finding_of_ours() -> None:
    """Precision on real CDK output: X-Ray, PutMetricData, a VPC project, CodeDeploy, DLQs,
    KMS key policies and scoped grants all come out clean."""
    import aws_cdk as cdk
    from aws_cdk import aws_cloudwatch as cw
    from aws_cdk import aws_codebuild as codebuild
    from aws_cdk import aws_codedeploy as codedeploy
    from aws_cdk import aws_dynamodb as ddb
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_events as events
    from aws_cdk import aws_events_targets as targets
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_s3 as s3
    from aws_cdk import aws_sns as sns
    from aws_cdk import aws_sqs as sqs

    def build(stack: Any) -> None:
        vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
        fn = lambda_.Function(
            stack, "Fn", runtime=lambda_.Runtime.NODEJS_24_X, handler="index.handler",
            code=lambda_.Code.from_inline("exports.handler = async () => 1;"),
            tracing=lambda_.Tracing.ACTIVE, vpc=vpc, dead_letter_queue_enabled=True,
        )
        topic = sns.Topic(stack, "Topic", master_key=kms.Key(stack, "TopicKey"))
        topic.grant_publish(fn)
        fn.add_environment("TOPIC_ARN", topic.topic_arn)
        queue = sqs.Queue(stack, "Queue")
        queue.grant_send_messages(fn)
        fn.add_environment("QUEUE_URL", queue.queue_url)
        table = ddb.Table(stack, "Table", partition_key=ddb.Attribute(
            name="pk", type=ddb.AttributeType.STRING))
        table.grant_read_write_data(fn)
        fn.add_environment("TABLE", table.table_name)
        cw.Metric.grant_put_metric_data(fn)
        project = codebuild.PipelineProject(stack, "Project", vpc=vpc)
        s3.Bucket(stack, "Bucket").grant_read_write(project)
        rule = events.Rule(stack, "Rule", schedule=events.Schedule.rate(cdk.Duration.hours(1)))
        rule.add_target(targets.CodeBuildProject(project))
        alias = lambda_.Alias(stack, "Live", alias_name="live", version=fn.current_version)
        codedeploy.LambdaDeploymentGroup(
            stack, "Deploy", alias=alias,
            deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
        )

    r = synth(build, nag=False)
    assert [f for f in r.check_findings if f.scenario == 2] == []


# What CloudFormation's handlers list but the application stack never needs (the features it does
# not use), and what belongs to other services than the five the role is scoped in.
NOT_NEEDED = {
    "lambda": {"lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
               "lambda:GetCodeSigningConfig", "lambda:PutFunctionCodeSigningConfig",
               "lambda:DeleteFunctionCodeSigningConfig", "lambda:GetLayerVersion",
               "lambda:PutFunctionScalingConfig", "lambda:GetFunctionScalingConfig",
               "lambda:PassCapacityProvider", "lambda:AssociateRuntimeAlias",
               "lambda:PutProvisionedConcurrencyConfig", "lambda:GetProvisionedConcurrencyConfig",
               "lambda:DeleteProvisionedConcurrencyConfig", "lambda:ListFunctions"},
    "iam": {"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
            "iam:GetGroupPolicy", "iam:PutGroupPolicy", "iam:DeleteGroupPolicy",
            "iam:GetUserPolicy", "iam:PutUserPolicy", "iam:DeleteUserPolicy", "iam:ListRoles",
            "iam:PassRole"},
    "codedeploy": {"codedeploy:RegisterOnPremisesInstance", "codedeploy:ListApplications",
                   "codedeploy:ListDeploymentGroups"},
    "cloudwatch": set(),
    "logs": {"logs:CreateLogDelivery", "logs:PutDataProtectionPolicy",
             "logs:DeleteDataProtectionPolicy", "logs:GetDataProtectionPolicy",
             "logs:PutResourcePolicy", "logs:DeleteResourcePolicy",
             "logs:DescribeResourcePolicies", "logs:PutIndexPolicy", "logs:DeleteIndexPolicy",
             "logs:DescribeIndexPolicies", "logs:PutBearerTokenAuthentication",
             "logs:PutLogGroupDeletionProtection"},
}


def test_the_stack_deployment_role_allows_what_cloudformation_needs_for_the_app_stack() -> None:
    """The role CloudFormation works as for the application stack allows, per service, every
    permission the resource schemas' create, read, update and delete handlers list for the
    stack's resource types (cfn-lint ships the schemas), less NOT_NEEDED; and nothing else."""
    from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER

    from solutions.iam_least_privilege import STACK_ACTIONS
    from solutions.pipeline import ApplicationStack

    app = synth_app(lambda a: ApplicationStack(a, "App"), nag=False)["App"].template
    types = {body["Type"] for body in app["Resources"].values()} - {"AWS::CDK::Metadata"}
    needed: dict[str, set[str]] = {service: set() for service in STACK_ACTIONS}
    for rtype in types:
        handlers = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).schema.get(
            "handlers") or {}
        for kind in ("create", "read", "update", "delete"):
            for permission in (handlers.get(kind) or {}).get("permissions", []):
                service = permission.split(":")[0]
                if service in needed:
                    needed[service].add(permission)
    for service, allowed in STACK_ACTIONS.items():
        assert set(allowed) == needed[service] - NOT_NEEDED[service], service
