"""Read-back of S3: AWS::S3::Bucket, AWS::S3::BucketPolicy, compared with the template through
S3's API.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Report, attributes, call, reads, sub, tags


@reads("AWS::S3::Bucket")
def _bucket(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    call(c.s3.head_bucket, Bucket=name)
    if "BucketName" in p:
        r.expect(w, "BucketName", name, p["BucketName"])
    if "VersioningConfiguration" in p:
        r.expect(w, "versioning", c.s3.get_bucket_versioning(Bucket=name).get("Status"),
                 p["VersioningConfiguration"]["Status"])
    if "BucketEncryption" in p:
        got = c.s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"][
            "Rules"][0]
        want = p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        r.expect(w, "encryption", got["ApplyServerSideEncryptionByDefault"],
                 want["ServerSideEncryptionByDefault"])
        if "BucketKeyEnabled" in want:
            r.expect(w, "bucket key", got.get("BucketKeyEnabled"), want["BucketKeyEnabled"])
    if "LifecycleConfiguration" in p:
        got_rules = c.s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
        want_rules = p["LifecycleConfiguration"]["Rules"]
        r.expect(w, "number of lifecycle rules", len(got_rules), len(want_rules))
        for got, want in zip(got_rules, want_rules, strict=False):
            r.expect(w, "lifecycle rule id", got.get("ID"), want.get("Id"))
            r.expect(w, "lifecycle rule status", got.get("Status"), want["Status"])
            if "NoncurrentVersionExpiration" in want:
                r.expect(w, "noncurrent version expiration",
                         got.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"),
                         want["NoncurrentVersionExpiration"]["NoncurrentDays"])
            if "AbortIncompleteMultipartUpload" in want:
                r.expect(w, "abort incomplete multipart upload",
                         got.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation"),
                         want["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
            if "ExpirationInDays" in want:
                r.expect(w, "expiration", got.get("Expiration", {}).get("Days"),
                         want["ExpirationInDays"])
    if "PublicAccessBlockConfiguration" in p:
        r.expect(w, "public access block",
                 c.s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
                 p["PublicAccessBlockConfiguration"])
    if "OwnershipControls" in p:
        r.expect(w, "ownership", c.s3.get_bucket_ownership_controls(Bucket=name)[
            "OwnershipControls"]["Rules"], p["OwnershipControls"]["Rules"])
    if "LoggingConfiguration" in p:
        got_log = c.s3.get_bucket_logging(Bucket=name).get("LoggingEnabled", {})
        want_log = p["LoggingConfiguration"]
        r.expect(w, "access log bucket", got_log.get("TargetBucket"),
                 want_log.get("DestinationBucketName", name))
        r.expect(w, "access log prefix", got_log.get("TargetPrefix", ""),
                 want_log.get("LogFilePrefix", ""))
    if "AccessControl" in p:
        r.expect(w, "ACL grants", sorted(_acl_grants(c, name)),
                 sorted(CANNED_GRANTS.get(p["AccessControl"], set())))
    if "Tags" in p:
        want_tags = tags(p["Tags"])
        r.expect(w, "tags", sub(tags(c.s3.get_bucket_tagging(Bucket=name)["TagSet"]),
                                 want_tags), want_tags)


# The grants each canned ACL adds to the owner's FULL_CONTROL, as GetBucketAcl shows them.
GROUPS = "http://acs.amazonaws.com/groups/"
CANNED_GRANTS = {
    "Private": set(), "BucketOwnerRead": set(), "BucketOwnerFullControl": set(),
    "AwsExecRead": set(),
    "PublicRead": {(GROUPS + "global/AllUsers", "READ")},
    "PublicReadWrite": {(GROUPS + "global/AllUsers", "READ"), (GROUPS + "global/AllUsers", "WRITE")},
    "AuthenticatedRead": {(GROUPS + "global/AuthenticatedUsers", "READ")},
    "LogDeliveryWrite": {(GROUPS + "s3/LogDelivery", "READ_ACP"), (GROUPS + "s3/LogDelivery", "WRITE")},
}


def _acl_grants(c: Clients, name: str) -> set[tuple[str, str]]:
    grants = c.s3.get_bucket_acl(Bucket=name)["Grants"]
    return {(g["Grantee"]["URI"], g["Permission"]) for g in grants if "URI" in g["Grantee"]}


@reads("AWS::S3::BucketPolicy")
def _bucket_policy(c: Clients, pid: str, p: dict[str, Any], r: Report, w: str) -> None:
    r.expect(w, "policy", call(c.s3.get_bucket_policy, Bucket=p["Bucket"])["Policy"],
             p["PolicyDocument"])


attributes(
    "AWS::S3::Bucket",
    Arn=lambda c, p: (call(c.s3.head_bucket, Bucket=p), f"arn:aws:s3:::{p}")[1],
    RegionalDomainName=lambda c, p: f"{p}.s3.{c.region}.amazonaws.com",
)
