"""Drift detection on the local AWS: DetectStackDrift, DescribeStackDriftDetectionStatus,
DescribeStackResourceDrifts, DetectStackResourceDrift.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html (what
drift is, the status codes), API_StackResourceDrift (only properties the template sets are
checked), API_PropertyDifference (paths and ADD / REMOVE / NOT_EQUAL), API_ResourceDriftIgnoredAttribute
(write-only properties are not checked). The stack is made through CloudFormation's API, with the
resource types of the course's application stack, a bucket, and a topic (no drift read-back here:
NOT_CHECKED).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from pitfalls.emulator import process
from pitfalls.emulator.verify import Clients

STACK = "DriftDemo"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]}
CODE = "exports.handler = async () => ({ ok: true });"
TEMPLATE: dict[str, Any] = {"Resources": {
    "Role": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": TRUST,
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
        "Tags": [{"Key": "Project", "Value": "demo"}]}},
    "Policy": {"Type": "AWS::IAM::Policy", "Properties": {
        "PolicyName": "logs", "Roles": [{"Ref": "Role"}],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}}},
    "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
    "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "nodejs24.x", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
        "Code": {"ZipFile": CODE}, "Description": "release 1", "MemorySize": 256,
        "Environment": {"Variables": {"APP_STAGE": "dev"}},
        "LoggingConfig": {"LogGroup": {"Ref": "Logs"}}}},
    "V1": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
    "Live": {"Type": "AWS::Lambda::Alias", "Properties": {
        "FunctionName": {"Ref": "Fn"}, "FunctionVersion": {"Fn::GetAtt": ["V1", "Version"]},
        "Name": "live"}},
    "Errors": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 60,
        "EvaluationPeriods": 1, "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "Fn"}}]}},
    "Source": {"Type": "AWS::S3::Bucket", "Properties": {
        "VersioningConfiguration": {"Status": "Enabled"}, "AccessControl": "Private"}},
    "Alerts": {"Type": "AWS::SNS::Topic", "Properties": {}},
}}


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clients]:
    with process.running(state_dir=tmp_path_factory.mktemp("drift-state")) as endpoint:
        c = Clients(endpoint)
        c.cloudformation.create_stack(StackName=STACK, TemplateBody=json.dumps(TEMPLATE),
                                      Capabilities=["CAPABILITY_IAM"])
        status = c.cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
        assert status == "CREATE_COMPLETE"
        yield c


def physical(c: Clients, logical: str) -> str:
    return str(c.cloudformation.describe_stack_resource(
        StackName=STACK, LogicalResourceId=logical)["StackResourceDetail"]["PhysicalResourceId"])


def detect(c: Clients) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(the detection's status, each resource's drift by logical id)."""
    cf = c.cloudformation
    detection = cf.detect_stack_drift(StackName=STACK)["StackDriftDetectionId"]
    status = cf.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
    drifts = cf.describe_stack_resource_drifts(StackName=STACK)["StackResourceDrifts"]
    return status, {d["LogicalResourceId"]: d for d in drifts}


def test_a_stack_as_deployed_is_in_sync(aws: Clients) -> None:
    status, drifts = detect(aws)
    assert status["DetectionStatus"] == "DETECTION_COMPLETE"
    assert status["StackDriftStatus"] == "IN_SYNC"
    assert status["DriftedStackResourceCount"] == 0
    assert {k: d["StackResourceDriftStatus"] for k, d in drifts.items()} == {
        "Role": "IN_SYNC", "Policy": "IN_SYNC", "Logs": "IN_SYNC", "Fn": "IN_SYNC",
        "V1": "IN_SYNC", "Live": "IN_SYNC", "Errors": "IN_SYNC", "Source": "IN_SYNC",
        "Alerts": "NOT_CHECKED"}
    # Only what the template sets is compared, and never a write-only property: the function's
    # Code (its ZipFile), the bucket's AccessControl.
    fn = json.loads(drifts["Fn"]["ExpectedProperties"])
    assert "Code" not in fn and fn["Description"] == "release 1"
    assert "AccessControl" not in json.loads(drifts["Source"]["ExpectedProperties"])
    assert drifts["Live"]["PropertyDifferences"] == []


def test_hand_changes_are_drift_with_their_paths_and_values(aws: Clients) -> None:
    c, fn = aws, physical(aws, "Fn")
    c.awslambda.update_function_configuration(
        FunctionName=fn, Description="hot fix", Environment={"Variables": {"APP_STAGE": "prod"}})
    v2 = c.awslambda.publish_version(FunctionName=fn)["Version"]  # a version the stack lacks
    assert v2 != "1"
    c.awslambda.update_alias(FunctionName=fn, Name="live", FunctionVersion=v2)
    c.s3.put_bucket_versioning(Bucket=physical(c, "Source"),
                               VersioningConfiguration={"Status": "Suspended"})
    c.iam.tag_role(RoleName=physical(c, "Role"), Tags=[{"Key": "Owner", "Value": "me"}])
    c.cloudwatch.delete_alarms(AlarmNames=[physical(c, "Errors")])
    status, drifts = detect(c)
    assert status["StackDriftStatus"] == "DRIFTED"
    assert status["DriftedStackResourceCount"] == 5
    assert drifts["Errors"]["StackResourceDriftStatus"] == "DELETED"
    assert "ActualProperties" not in drifts["Errors"]
    diffs = {k: [(p["PropertyPath"], p["ExpectedValue"], p["ActualValue"], p["DifferenceType"])
                 for p in d.get("PropertyDifferences", [])] for k, d in drifts.items()}
    assert diffs["Live"] == [("/FunctionVersion", "1", v2, "NOT_EQUAL")]
    assert sorted(diffs["Fn"]) == [("/Description", "release 1", "hot fix", "NOT_EQUAL"),
                                   ("/Environment/Variables/APP_STAGE", "dev", "prod", "NOT_EQUAL")]
    assert diffs["Source"] == [("/VersioningConfiguration/Status", "Enabled", "Suspended",
                                "NOT_EQUAL")]
    assert diffs["Role"] == [("/Tags/0", "", json.dumps({"Key": "Owner", "Value": "me"}),
                              "ADD")]
    assert drifts["Alerts"]["StackResourceDriftStatus"] == "NOT_CHECKED"
    # The filter and the single-resource call answer the same.
    modified = c.cloudformation.describe_stack_resource_drifts(
        StackName=STACK, StackResourceDriftStatusFilters=["DELETED"])["StackResourceDrifts"]
    assert [d["LogicalResourceId"] for d in modified] == ["Errors"]
    one = c.cloudformation.detect_stack_resource_drift(StackName=STACK, LogicalResourceId="Live")
    assert one["StackResourceDrift"]["StackResourceDriftStatus"] == "MODIFIED"


def test_a_hand_code_change_is_not_drift(aws: Clients) -> None:
    """Code is write-only in AWS::Lambda::Function's schema: CloudFormation cannot see a new
    zip uploaded by hand, only what the function's configuration says."""
    import io
    import zipfile

    c, fn = aws, physical(aws, "Fn")
    c.awslambda.update_function_configuration(
        FunctionName=fn, Description="release 1", Environment={"Variables": {"APP_STAGE": "dev"}})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.js", "exports.handler = async () => ({ ok: false });")
    c.awslambda.update_function_code(FunctionName=fn, ZipFile=buf.getvalue())
    one = c.cloudformation.detect_stack_resource_drift(StackName=STACK, LogicalResourceId="Fn")
    assert one["StackResourceDrift"]["StackResourceDriftStatus"] == "IN_SYNC"


def test_bad_requests_get_one_clear_error(aws: Clients) -> None:
    from botocore.exceptions import ClientError

    cf = aws.cloudformation
    for call, kwargs, says in (
        (cf.detect_stack_drift, {"StackName": "Nope"}, "does not exist"),
        (cf.describe_stack_drift_detection_status, {"StackDriftDetectionId": "nope"},
         "does not exist"),
        (cf.detect_stack_resource_drift, {"StackName": STACK, "LogicalResourceId": "Nope"},
         "do not exist"),
    ):
        with pytest.raises(ClientError) as err:
            call(**kwargs)
        assert says in str(err.value)


def test_write_only_properties_follow_the_resource_schemas() -> None:
    """Each model's WRITE_ONLY is its resource schema's writeOnlyProperties, among the
    properties the model honours (cfn-lint ships the schemas of the pinned CloudFormation)."""
    from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER

    from pitfalls.emulator.cloudformation.resource import REGISTRY, Resource
    from pitfalls.emulator.patches import install

    install()
    checked = [cls for cls in REGISTRY.values() if cls.actual is not Resource.actual]
    assert {c.TYPE for c in checked} >= {
        "AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::IAM::Role",
        "AWS::IAM::Policy", "AWS::CodeDeploy::Application", "AWS::CodeDeploy::DeploymentGroup",
        "AWS::CloudWatch::Alarm", "AWS::Logs::LogGroup", "AWS::S3::Bucket"}
    for cls in checked:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", cls.TYPE).schema
        wanted = {p.removeprefix("/properties/") for p in schema.get("writeOnlyProperties", [])}
        # Never leaves out a property CloudFormation compares...
        assert set(cls.WRITE_ONLY) <= wanted, cls.TYPE
        # ...and leaves out every write-only property the model honours: the top-level ones,
        # and the parts of Code a function accepts (S3Bucket, S3Key, ZipFile).
        top = {p for p in wanted if "/" not in p and p in cls.PROPERTIES}
        assert top <= set(cls.WRITE_ONLY), cls.TYPE
    code = {f"Code/{k}" for k in ("S3Bucket", "S3Key", "ZipFile")}
    assert code <= set(REGISTRY["AWS::Lambda::Function"].WRITE_ONLY)
