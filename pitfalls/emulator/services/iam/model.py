"""IAM roles, inline policies and customer managed policies."""

from __future__ import annotations

from typing import Any

from moto.iam.exceptions import NotFoundException
from moto.iam.models import IAMBackend, iam_backends

from pitfalls.emulator.cloudformation.resource import (
    Resource,
    as_json_text,
    random_suffix,
    register,
    tag_list,
    tags_dict,
)


def iam(account_id: str, partition: str) -> IAMBackend:
    return iam_backends[account_id][partition]


@register
class Role(Resource):
    TYPE = "AWS::IAM::Role"
    NAME_PROPERTY = "RoleName"
    NAME_MAX = 64
    PROPERTIES = {
        "RoleName": "",
        "AssumeRolePolicyDocument": "",
        "ManagedPolicyArns": "attached; AWS managed policies must exist (moto's copy of them)",
        "Policies": "inline policies",
        "Path": "",
        "Description": "",
        "MaxSessionDuration": "",
        "PermissionsBoundary": "",
        "Tags": "",
    }
    REQUIRED = ("AssumeRolePolicyDocument",)
    ATTRIBUTES = ("Arn", "RoleId")
    REPLACE_ON = frozenset({"Path"})
    REF = "role name"
    READ_BACK = "GetRole, ListAttachedRolePolicies, ListRolePolicies, GetRolePolicy"

    @property
    def backend(self) -> IAMBackend:
        return iam(self.account_id, self.partition)

    def create(self) -> None:
        p = self.props
        self.backend.create_role(
            role_name=self.name,
            assume_role_policy_document=as_json_text(p["AssumeRolePolicyDocument"]),
            path=p.get("Path", "/"),
            permissions_boundary=p.get("PermissionsBoundary"),
            description=p.get("Description", ""),
            tags=[{"Key": k, "Value": v} for k, v in tags_dict(p.get("Tags")).items()],
            max_session_duration=str(p["MaxSessionDuration"]) if "MaxSessionDuration" in p
            else None,
        )
        self._sync_policies({})

    def _sync_policies(self, old: dict[str, Any]) -> None:
        b, p = self.backend, self.props
        before, after = set(old.get("ManagedPolicyArns", [])), set(p.get("ManagedPolicyArns", []))
        for arn in sorted(before - after):
            b.detach_role_policy(arn, self.name)
        for arn in sorted(after - before):
            b.attach_role_policy(arn, self.name)
        old_inline = {x["PolicyName"]: x for x in old.get("Policies", [])}
        new_inline = {x["PolicyName"]: x for x in p.get("Policies", [])}
        for name in old_inline.keys() - new_inline.keys():
            b.delete_role_policy(self.name, name)
        for name, pol in new_inline.items():
            if old_inline.get(name) != pol:
                b.put_role_policy(self.name, name, as_json_text(pol["PolicyDocument"]))

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        b, p = self.backend, self.props
        if "AssumeRolePolicyDocument" in changed:
            # Stored as CreateRole stores it: moto's UpdateAssumeRolePolicy insists on a Version
            # that IAM itself does not require (the CDK bootstrap template has none).
            b.get_role(self.name).assume_role_policy_document = as_json_text(
                p["AssumeRolePolicyDocument"])
        if changed & {"Description", "MaxSessionDuration"}:
            b.update_role(self.name, p.get("Description", ""),
                          str(p.get("MaxSessionDuration", 3600)))
        if "PermissionsBoundary" in changed:
            if p.get("PermissionsBoundary"):
                b.put_role_permissions_boundary(self.name, p["PermissionsBoundary"])
            else:
                b.delete_role_permissions_boundary(self.name)
        if changed & {"ManagedPolicyArns", "Policies"}:
            self._sync_policies(old)
        if "Tags" in changed:
            new, before = tags_dict(p.get("Tags")), tags_dict(old.get("Tags"))
            gone = [k for k in before if k not in new]
            if gone:
                b.untag_role(self.name, gone)
            if new:
                b.tag_role(self.name, [{"Key": k, "Value": v} for k, v in new.items()])

    def destroy(self) -> None:
        b = self.backend
        try:
            role = b.get_role(self.name)
        except NotFoundException:
            return
        # The role's own ManagedPolicyArns and Policies go with it; anything attached by other
        # means makes DeleteRole fail, as in IAM.
        for arn in self.props.get("ManagedPolicyArns", []):
            if arn in role.managed_policies:
                b.detach_role_policy(arn, self.name)
        for pol in self.props.get("Policies", []):
            if pol["PolicyName"] in role.policies:
                b.delete_role_policy(self.name, pol["PolicyName"])
        b.delete_role(self.name)

    def attribute(self, name: str) -> Any:
        role = self.backend.get_role(self.name)
        return role.arn if name == "Arn" else role.id

    def actual(self) -> dict[str, Any] | None:
        try:
            role = self.backend.get_role(self.name)
        except NotFoundException:
            return None
        out: dict[str, Any] = {
            "RoleName": role.name, "AssumeRolePolicyDocument": role.assume_role_policy_document,
            "ManagedPolicyArns": sorted(role.managed_policies), "Path": role.path,
            "Description": role.description or "",
            "Policies": [{"PolicyName": n, "PolicyDocument": d}
                         for n, d in sorted(role.policies.items())
                         if n in {x["PolicyName"] for x in self.props.get("Policies", [])}],
            "Tags": tag_list(role.tags)}
        if role.max_session_duration:
            out["MaxSessionDuration"] = role.max_session_duration
        if role.permissions_boundary_arn:
            out["PermissionsBoundary"] = role.permissions_boundary_arn
        return out


@register
class Policy(Resource):
    TYPE = "AWS::IAM::Policy"
    PROPERTIES = {"PolicyName": "", "PolicyDocument": "", "Roles": "role names"}
    REQUIRED = ("PolicyName", "PolicyDocument")
    REF = "generated id"
    READ_BACK = "GetRolePolicy"

    def create(self) -> None:
        self.physical_id = f"{self.stack_name[:5]}-{self.logical_resource_id[:4]}-{random_suffix()}"
        self._put(self.props.get("Roles", []))

    def _put(self, roles: list[str]) -> None:
        doc = as_json_text(self.props["PolicyDocument"])
        for role in roles:
            iam(self.account_id, self.partition).put_role_policy(role, self.props["PolicyName"],
                                                                 doc)

    def _remove(self, name: str, roles: list[str]) -> None:
        b = iam(self.account_id, self.partition)
        for role in roles:
            try:
                b.delete_role_policy(role, name)
            except NotFoundException:
                pass  # role or policy already gone: counts as deleted

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        old_roles, new_roles = old.get("Roles", []), self.props.get("Roles", [])
        if "PolicyName" in changed:
            self._remove(old["PolicyName"], old_roles)
        else:
            self._remove(old["PolicyName"], [r for r in old_roles if r not in new_roles])
        self._put(new_roles)

    def destroy(self) -> None:
        self._remove(self.props["PolicyName"], self.props.get("Roles", []))

    def actual(self) -> dict[str, Any] | None:
        """The roles that still hold the inline policy, and its document (the first role's)."""
        b, name = iam(self.account_id, self.partition), self.props["PolicyName"]
        holding = []
        for role_name in self.props.get("Roles", []):
            try:
                role = b.get_role(role_name)
            except NotFoundException:
                continue
            if name in role.policies:
                holding.append(role)
        if not holding:
            return None
        return {"PolicyName": name, "PolicyDocument": holding[0].policies[name],
                "Roles": [r.name for r in holding]}


@register
class ManagedPolicy(Resource):
    TYPE = "AWS::IAM::ManagedPolicy"
    NAME_PROPERTY = "ManagedPolicyName"
    NAME_MAX = 128
    PROPERTIES = {"ManagedPolicyName": "", "PolicyDocument": "", "Description": "", "Path": "",
                  "Roles": "role names"}
    REQUIRED = ("PolicyDocument",)
    REPLACE_ON = frozenset({"Path", "Description"})
    ATTRIBUTES = ("PolicyArn",)
    REF = "policy ARN"
    READ_BACK = "GetPolicy, GetPolicyVersion, ListAttachedRolePolicies"

    def create(self) -> None:
        p = self.props
        policy = iam(self.account_id, self.partition).create_policy(
            description=p.get("Description", ""), path=p.get("Path", "/"),
            policy_document=as_json_text(p["PolicyDocument"]), policy_name=self.name, tags=[])
        self.physical_id = policy.arn
        for role in p.get("Roles", []):
            iam(self.account_id, self.partition).attach_role_policy(policy.arn, role)

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        b = iam(self.account_id, self.partition)
        if "PolicyDocument" in changed:
            b.create_policy_version(self.physical_id, as_json_text(self.props["PolicyDocument"]),
                                    True)
        before, after = set(old.get("Roles", [])), set(self.props.get("Roles", []))
        for role in before - after:
            b.detach_role_policy(self.physical_id, role)
        for role in after - before:
            b.attach_role_policy(self.physical_id, role)

    def destroy(self) -> None:
        b = iam(self.account_id, self.partition)
        if self.physical_id not in b.managed_policies:
            return
        for role in self.props.get("Roles", []):
            try:
                b.detach_role_policy(self.physical_id, role)
            except NotFoundException:
                pass
        b.delete_policy(self.physical_id)

    def attribute(self, name: str) -> Any:
        return self.physical_id
