"""ECR repositories (the CDK bootstrap creates one for container assets)."""

from __future__ import annotations

from typing import Any

from moto.ecr.exceptions import RepositoryNotFoundException
from moto.ecr.models import ECRBackend, ecr_backends

from pitfalls.emulator.cloudformation.resource import Resource, as_json_text, register, tags_dict


def ecr(account_id: str, region: str) -> ECRBackend:
    return ecr_backends[account_id][region]


@register
class Repository(Resource):
    TYPE = "AWS::ECR::Repository"
    NAME_PROPERTY = "RepositoryName"
    NAME_MAX = 256
    NAME_LOWER = True
    PROPERTIES = {"RepositoryName": "", "ImageTagMutability": "",
                  "ImageScanningConfiguration": "", "EncryptionConfiguration": "",
                  "LifecyclePolicy": "LifecyclePolicyText only",
                  "RepositoryPolicyText": "", "EmptyOnDelete": "", "Tags": ""}
    ATTRIBUTES = ("Arn", "RepositoryUri")
    REPLACE_ON = frozenset({"EncryptionConfiguration"})
    REF = "repository name"
    READ_BACK = "DescribeRepositories, GetLifecyclePolicy, GetRepositoryPolicy"

    @classmethod
    def check(cls, props: dict[str, Any]) -> None:
        from pitfalls.emulator.cloudformation.errors import UnsupportedProperty

        for key in props.get("LifecyclePolicy", {}):
            if key != "LifecyclePolicyText":
                raise UnsupportedProperty(cls.TYPE, f"LifecyclePolicy.{key}")

    def create(self) -> None:
        p = self.props
        enc = p.get("EncryptionConfiguration")
        ecr(self.account_id, self.region).create_repository(
            repository_name=self.name, registry_id=None,
            encryption_config={"encryptionType": enc.get("EncryptionType", "AES256"),
                               **({"kmsKey": enc["KmsKey"]} if "KmsKey" in enc else {})}
            if enc else None,  # type: ignore[arg-type]
            image_scan_config={"scanOnPush": bool(p.get("ImageScanningConfiguration", {})
                                                  .get("ScanOnPush", False))},
            image_tag_mutability=p.get("ImageTagMutability", "MUTABLE"),
            tags=[{"Key": k, "Value": v} for k, v in tags_dict(p.get("Tags")).items()],
        )
        self._apply({}, set(p))

    def _apply(self, old: dict[str, Any], changed: set[str]) -> None:
        b, p, reg = ecr(self.account_id, self.region), self.props, self.account_id
        if "LifecyclePolicy" in changed and p.get("LifecyclePolicy"):
            b.put_lifecycle_policy(reg, self.name, p["LifecyclePolicy"]["LifecyclePolicyText"])
        if "RepositoryPolicyText" in changed and p.get("RepositoryPolicyText"):
            b.set_repository_policy(reg, self.name, as_json_text(p["RepositoryPolicyText"]))

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        b, p, reg = ecr(self.account_id, self.region), self.props, self.account_id
        if "ImageTagMutability" in changed:
            b.put_image_tag_mutability(reg, self.name, p.get("ImageTagMutability", "MUTABLE"))
        if "ImageScanningConfiguration" in changed:
            b.put_image_scanning_configuration(reg, self.name, {"scanOnPush": bool(
                p.get("ImageScanningConfiguration", {}).get("ScanOnPush", False))})
        if "LifecyclePolicy" in changed and not p.get("LifecyclePolicy"):
            b.delete_lifecycle_policy(reg, self.name)
        if "RepositoryPolicyText" in changed and not p.get("RepositoryPolicyText"):
            b.delete_repository_policy(reg, self.name)
        self._apply(old, changed)
        if "Tags" in changed:
            repo = b.repositories[self.name]
            b.tagger.delete_all_tags_for_resource(repo.arn)
            b.tagger.tag_resource(repo.arn, [{"Key": k, "Value": v}
                                             for k, v in tags_dict(p.get("Tags")).items()])

    def destroy(self) -> None:
        try:
            ecr(self.account_id, self.region).delete_repository(
                self.name, force=bool(self.props.get("EmptyOnDelete", False)))
        except RepositoryNotFoundException:
            pass

    def attribute(self, name: str) -> Any:
        repo = ecr(self.account_id, self.region).repositories[self.name]
        return repo.arn if name == "Arn" else repo.uri
