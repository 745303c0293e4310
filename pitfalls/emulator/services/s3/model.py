"""S3 buckets and bucket policies."""

from __future__ import annotations

import json
from typing import Any

from moto.s3.exceptions import MissingBucket
from moto.s3.models import S3Backend, s3_backends

from pitfalls.emulator.cloudformation.errors import InvalidProperty, UnsupportedProperty
from pitfalls.emulator.cloudformation.resource import (
    Resource,
    as_bool,
    register,
    tag_list,
    tags_dict,
)

RULE_KEYS = {
    "Id", "Status", "Prefix", "ExpirationInDays", "ExpiredObjectDeleteMarker",
    "NoncurrentVersionExpiration", "NoncurrentVersionExpirationInDays",
    "AbortIncompleteMultipartUpload", "Transitions", "NoncurrentVersionTransitions",
}

LOGGING_KEYS = {"DestinationBucketName", "LogFilePrefix"}

# AccessControl (CloudFormation's names) -> S3's canned ACL.
CANNED_ACLS = {
    "Private": "private", "PublicRead": "public-read", "PublicReadWrite": "public-read-write",
    "AuthenticatedRead": "authenticated-read", "LogDeliveryWrite": "log-delivery-write",
    "BucketOwnerRead": "bucket-owner-read", "BucketOwnerFullControl": "bucket-owner-full-control",
    "AwsExecRead": "aws-exec-read",
}
PUBLIC_ACLS = {"PublicRead", "PublicReadWrite", "AuthenticatedRead"}


def s3_backend(account_id: str, partition: str) -> S3Backend:
    return s3_backends[account_id][partition]


def lifecycle_rules(cfn_rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CloudFormation's rule shape -> the API's (what PutBucketLifecycleConfiguration takes)."""
    rules = []
    for r in cfn_rules:
        rule: dict[str, Any] = {"Status": r["Status"], "Filter": {"Prefix": r.get("Prefix", "")}}
        if "Id" in r:
            rule["ID"] = r["Id"]
        expiration: dict[str, Any] = {}
        if "ExpirationInDays" in r:
            expiration["Days"] = int(r["ExpirationInDays"])
        if "ExpiredObjectDeleteMarker" in r:
            expiration["ExpiredObjectDeleteMarker"] = as_bool(r["ExpiredObjectDeleteMarker"])
        if expiration:
            rule["Expiration"] = expiration
        nve = r.get("NoncurrentVersionExpiration")
        if nve is not None:
            rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(nve["NoncurrentDays"])}
        elif "NoncurrentVersionExpirationInDays" in r:
            rule["NoncurrentVersionExpiration"] = {
                "NoncurrentDays": int(r["NoncurrentVersionExpirationInDays"])}
        if "AbortIncompleteMultipartUpload" in r:
            rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(
                r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
        if "Transitions" in r:
            rule["Transition"] = [{"Days": int(t["TransitionInDays"]),
                                   "StorageClass": t["StorageClass"]} for t in r["Transitions"]]
        if "NoncurrentVersionTransitions" in r:
            rule["NoncurrentVersionTransition"] = [
                {"NoncurrentDays": int(t["TransitionInDays"]), "StorageClass": t["StorageClass"]}
                for t in r["NoncurrentVersionTransitions"]]
        rules.append(rule)
    return rules


@register
class Bucket(Resource):
    TYPE = "AWS::S3::Bucket"
    NAME_PROPERTY = "BucketName"
    NAME_MAX = 63
    NAME_LOWER = True
    PROPERTIES = {
        "BucketName": "",
        "AccessControl": "a canned ACL (GetBucketAcl shows its grants); as in S3, one other "
                         "than Private needs OwnershipControls that are not "
                         "BucketOwnerEnforced, and a public one is refused under "
                         "BlockPublicAcls",
        "BucketEncryption": "one rule: SSE-S3 or SSE-KMS, key id, bucket key",
        "VersioningConfiguration": "",
        "LifecycleConfiguration": "rules with Id, Status, Prefix, expirations, transitions, "
                                  "noncurrent-version expiration/transitions, abort multipart",
        "PublicAccessBlockConfiguration": "",
        "OwnershipControls": "",
        "LoggingConfiguration": "server access logs: DestinationBucketName (must exist, same "
                                "region), LogFilePrefix; no logs are written",
        "Tags": "",
    }
    ATTRIBUTES = ("Arn", "DomainName", "RegionalDomainName", "DualStackDomainName", "WebsiteURL")
    REF = "bucket name"
    READ_BACK = "GetBucketVersioning, GetBucketEncryption, GetBucketLifecycleConfiguration, " \
                "GetPublicAccessBlock, GetBucketOwnershipControls, GetBucketLogging, " \
                "GetBucketTagging, GetBucketAcl"
    # Of the schema's write-only properties, those this model honours (AccessControl: S3 shows
    # grants, not the canned name; NoncurrentVersionExpirationInDays and the other legacy rule
    # forms: S3 answers in the current ones).
    WRITE_ONLY = ("AccessControl",
                  "LifecycleConfiguration/Rules/*/NoncurrentVersionExpirationInDays",
                  "LifecycleConfiguration/Rules/*/NoncurrentVersionTransition",
                  "LifecycleConfiguration/Rules/*/Transition",
                  "LifecycleConfiguration/Rules/*/ExpiredObjectDeleteMarker")
    DRIFT_UNREAD = ("LifecycleConfiguration",)

    @classmethod
    def check(cls, props: dict[str, Any]) -> None:
        if props.get("AccessControl", "Private") not in CANNED_ACLS:
            raise InvalidProperty(f"AccessControl {props['AccessControl']} is not one of "
                                  f"{sorted(CANNED_ACLS)}")
        enc = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
        if len(enc) > 1:
            raise UnsupportedProperty(cls.TYPE, "BucketEncryption (more than one rule)")
        for rule in props.get("LifecycleConfiguration", {}).get("Rules", []):
            for key in rule:
                if key not in RULE_KEYS:
                    raise UnsupportedProperty(cls.TYPE, f"LifecycleConfiguration.Rules.{key}")
        for key in props.get("LifecycleConfiguration", {}):
            if key != "Rules":
                raise UnsupportedProperty(cls.TYPE, f"LifecycleConfiguration.{key}")
        for key in props.get("LoggingConfiguration", {}):
            if key not in LOGGING_KEYS:
                raise UnsupportedProperty(cls.TYPE, f"LoggingConfiguration.{key}")

    @property
    def backend(self) -> S3Backend:
        return s3_backend(self.account_id, self.partition)

    def create(self) -> None:
        self.backend.create_bucket(self.name, self.region)
        self._apply({}, set(self.props))

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        self._apply(old, changed)

    def _apply(self, old: dict[str, Any], changed: set[str]) -> None:
        b, name, p = self.backend, self.name, self.props
        if "VersioningConfiguration" in changed:
            status = p.get("VersioningConfiguration", {}).get("Status")
            if status:
                b.put_bucket_versioning(name, status)
            elif old.get("VersioningConfiguration"):
                b.put_bucket_versioning(name, "Suspended")  # S3 cannot un-version a bucket
        if "BucketEncryption" in changed:
            rules = p.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
            if rules:
                by_default = rules[0].get("ServerSideEncryptionByDefault")
                if not by_default or "SSEAlgorithm" not in by_default:
                    raise InvalidProperty("BucketEncryption needs ServerSideEncryptionByDefault."
                                          "SSEAlgorithm")
                rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": dict(by_default)}
                if "BucketKeyEnabled" in rules[0]:
                    rule["BucketKeyEnabled"] = as_bool(rules[0]["BucketKeyEnabled"])
                b.put_bucket_encryption(name, {"Rule": rule})
            else:
                b.delete_bucket_encryption(name)
        if "LifecycleConfiguration" in changed:
            rules = p.get("LifecycleConfiguration", {}).get("Rules", [])
            if rules:
                b.put_bucket_lifecycle(name, lifecycle_rules(rules))
            else:
                b.delete_bucket_lifecycle(name)
        if "PublicAccessBlockConfiguration" in changed:
            pab = p.get("PublicAccessBlockConfiguration")
            if pab:
                b.put_public_access_block(name, {k: as_bool(v) for k, v in pab.items()})
            else:
                b.delete_public_access_block(name)
        if "OwnershipControls" in changed:
            rules = p.get("OwnershipControls", {}).get("Rules", [])
            if rules:
                b.put_bucket_ownership_controls(name, rules[0]["ObjectOwnership"])
            else:
                b.delete_bucket_ownership_controls(name)
        if "LoggingConfiguration" in changed:
            self._logging(p.get("LoggingConfiguration"))
        if "Tags" in changed:
            b.put_bucket_tagging(name, tags_dict(p.get("Tags")))
        if changed & {"AccessControl", "OwnershipControls", "PublicAccessBlockConfiguration"}:
            self._acl()

    def _acl(self) -> None:
        """The canned ACL, refused where S3 refuses it
        (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html,
        https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html)."""
        from moto.s3.models import FakeAcl, FakeGrant, get_canned_acl

        acl = self.props.get("AccessControl", "Private")
        rules = self.props.get("OwnershipControls", {}).get("Rules", [])
        ownership = rules[0].get("ObjectOwnership") if rules else "BucketOwnerEnforced"
        if acl != "Private" and ownership == "BucketOwnerEnforced":
            raise InvalidProperty("AccessControlListNotSupported: The bucket does not allow ACLs "
                                  f"(AccessControl {acl} needs OwnershipControls ObjectWriter or "
                                  "BucketOwnerPreferred)")
        block = self.props.get("PublicAccessBlockConfiguration", {})
        if acl in PUBLIC_ACLS and as_bool(block.get("BlockPublicAcls", False)):
            raise InvalidProperty(f"AccessDenied: AccessControl {acl} is a public ACL and the "
                                  "bucket blocks public ACLs (BlockPublicAcls)")
        canned = get_canned_acl(CANNED_ACLS[acl])
        # One grant per permission, as S3 lists them: moto's GetBucketAcl shows only the first
        # permission of a grant that holds several (LogDeliveryWrite's READ_ACP and WRITE).
        self.backend.put_bucket_acl(self.name, FakeAcl([
            FakeGrant(g.grantees, [permission]) for g in canned.grants
            for permission in g.permissions]))

    def _logging(self, config: dict[str, Any] | None) -> None:
        """Server access logging, as GetBucketLogging answers it. moto's PutBucketLogging also
        wants the log-delivery permission in place first; CloudFormation (and the CDK) create the
        target bucket's policy after the buckets that log to it (the policy names their ARNs),
        and S3 does not check a bucket policy when logging is configured, so only what S3 checks
        is checked here: the target bucket exists, in the same region."""
        bucket = self.backend.get_bucket(self.name)
        if not config:
            bucket.logging = {}
            return
        target_name = config.get("DestinationBucketName")
        if not target_name:
            # Without a destination, S3 logs to the bucket itself.
            target_name = self.name
        target = self.backend.buckets.get(target_name)
        if target is None:
            raise InvalidProperty(f"LoggingConfiguration: the target bucket {target_name} "
                                  "does not exist")
        if target.region_name != bucket.region_name:
            raise InvalidProperty(f"LoggingConfiguration: the target bucket {target_name} is "
                                  "in another region")
        bucket.logging = {"TargetBucket": target_name,
                          "TargetPrefix": config.get("LogFilePrefix", "")}

    def destroy(self) -> None:
        try:
            bucket = self.backend.get_bucket(self.name)
        except MissingBucket:
            return
        if bucket.keys:
            raise InvalidProperty(f"The bucket you tried to delete is not empty ({self.name})")
        self.backend.delete_bucket(self.name)

    def actual(self) -> dict[str, Any] | None:
        """What S3 reports, for the properties drift detection compares here (not the lifecycle
        rules: DRIFT_UNREAD)."""
        try:
            bucket = self.backend.get_bucket(self.name)
        except MissingBucket:
            return None
        out: dict[str, Any] = {"BucketName": self.name,
                               "Tags": tag_list(self.backend.get_bucket_tagging(self.name)["Tags"])}
        if bucket.versioning_status:
            out["VersioningConfiguration"] = {"Status": bucket.versioning_status}
        if bucket.encryption:
            rule = bucket.encryption.get("Rule", {})
            entry: dict[str, Any] = {"ServerSideEncryptionByDefault": dict(
                rule.get("ApplyServerSideEncryptionByDefault") or {})}
            if "BucketKeyEnabled" in rule:
                entry["BucketKeyEnabled"] = rule["BucketKeyEnabled"]
            out["BucketEncryption"] = {"ServerSideEncryptionConfiguration": [entry]}
        pab = bucket.public_access_block
        if pab is not None:
            out["PublicAccessBlockConfiguration"] = {
                "BlockPublicAcls": pab.block_public_acls, "IgnorePublicAcls": pab.ignore_public_acls,
                "BlockPublicPolicy": pab.block_public_policy,
                "RestrictPublicBuckets": pab.restrict_public_buckets}
        rule = bucket.ownership_rule
        if rule:  # moto keeps what PutBucketOwnershipControls was given: here, the name
            out["OwnershipControls"] = {"Rules": [{"ObjectOwnership": rule.get(
                "ObjectOwnership") if isinstance(rule, dict) else rule}]}
        if bucket.logging:
            out["LoggingConfiguration"] = {
                "DestinationBucketName": bucket.logging.get("TargetBucket"),
                "LogFilePrefix": bucket.logging.get("TargetPrefix", "")}
        return out

    def attribute(self, name: str) -> Any:
        return {
            "Arn": f"{self.arn_prefix}:s3:::{self.name}",
            "DomainName": f"{self.name}.s3.amazonaws.com",
            "RegionalDomainName": f"{self.name}.s3.{self.region}.amazonaws.com",
            "DualStackDomainName": f"{self.name}.s3.dualstack.{self.region}.amazonaws.com",
            "WebsiteURL": f"http://{self.name}.s3-website-{self.region}.amazonaws.com",
        }[name]


@register
class BucketPolicy(Resource):
    TYPE = "AWS::S3::BucketPolicy"
    PROPERTIES = {"Bucket": "", "PolicyDocument": ""}
    REQUIRED = ("Bucket", "PolicyDocument")
    REPLACE_ON = frozenset({"Bucket"})
    REF = "bucket name"
    READ_BACK = "GetBucketPolicy"

    def create(self) -> None:
        self.physical_id = self.props["Bucket"]
        self._put()

    def _put(self) -> None:
        policy = self.props["PolicyDocument"]
        text = policy if isinstance(policy, str) else json.dumps(policy)
        s3_backend(self.account_id, self.partition).put_bucket_policy(
            self.props["Bucket"], text.encode())

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        self._put()

    def destroy(self) -> None:
        try:
            s3_backend(self.account_id, self.partition).delete_bucket_policy(self.props["Bucket"])
        except MissingBucket:
            pass
