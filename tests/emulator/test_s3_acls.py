"""S3 canned ACLs (AccessControl) deploy where S3 allows them and are refused where it does not
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html)."""

from __future__ import annotations

import json
from typing import Any

from .conftest import Emulator


def _stack(emulator: Emulator, name: str, props: dict[str, Any]) -> tuple[str, str]:
    """Create a one-bucket stack; (its status, the bucket's failure reason or physical id)."""
    c = emulator.clients
    c.cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(
        {"Resources": {"Logs": {"Type": "AWS::S3::Bucket", "Properties": props}}}))
    status = c.cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    events = c.cloudformation.describe_stack_events(StackName=name)["StackEvents"]
    failed = [e["ResourceStatusReason"] for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    if failed:
        return status, failed[0]
    return status, c.cloudformation.describe_stack_resources(StackName=name)[
        "StackResources"][0]["PhysicalResourceId"]


def test_log_delivery_write_with_object_writer_ownership_grants_log_delivery(
        emulator: Emulator) -> None:
    status, bucket = _stack(emulator, "acl-ok", {
        "AccessControl": "LogDeliveryWrite",
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}})
    assert status == "CREATE_COMPLETE"
    grants = emulator.clients.s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert sorted(g["Permission"] for g in grants if g["Grantee"].get("URI", "").endswith(
        "/s3/LogDelivery")) == ["READ_ACP", "WRITE"]


def test_an_acl_on_a_bucket_owner_enforced_bucket_is_refused(emulator: Emulator) -> None:
    status, reason = _stack(emulator, "acl-enforced", {"AccessControl": "LogDeliveryWrite"})
    assert status == "ROLLBACK_COMPLETE"
    assert reason.startswith("AccessControlListNotSupported")


def test_a_public_acl_under_block_public_acls_is_refused(emulator: Emulator) -> None:
    status, reason = _stack(emulator, "acl-public", {
        "AccessControl": "PublicRead",
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True}})
    assert status == "ROLLBACK_COMPLETE"
    assert reason.startswith("AccessDenied")
