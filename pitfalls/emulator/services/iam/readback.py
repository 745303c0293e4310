"""Read-back of IAM: AWS::IAM::ManagedPolicy, AWS::IAM::Policy, AWS::IAM::Role, compared with their
templates through IAM's API.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Report, attributes, call, reads, sub, tags


@reads("AWS::IAM::Role")
def _role(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    role = call(c.iam.get_role, RoleName=name)["Role"]
    r.expect(w, "trust policy", role["AssumeRolePolicyDocument"], p["AssumeRolePolicyDocument"])
    r.expect(w, "path", role["Path"], p.get("Path", "/"))
    for key, api in (("Description", "Description"), ("MaxSessionDuration", "MaxSessionDuration")):
        if key in p:
            r.expect(w, key, role.get(api), p[key])
    if "PermissionsBoundary" in p:
        r.expect(w, "permissions boundary",
                 role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
                 p["PermissionsBoundary"])
    attached = c.iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    got = {a["PolicyArn"] for a in attached}
    want = set(p.get("ManagedPolicyArns", []))
    if not want <= got:
        r.problems.append(f"{w}: managed policies {sorted(want - got)} are not attached")
    for pol in p.get("Policies", []):
        doc = call(c.iam.get_role_policy, RoleName=name, PolicyName=pol["PolicyName"])
        r.expect(w, f"inline policy {pol['PolicyName']}", doc["PolicyDocument"],
                 pol["PolicyDocument"])
    if "Tags" in p:
        r.expect(w, "tags", sub(tags(role.get("Tags")), tags(p["Tags"])), tags(p["Tags"]))


@reads("AWS::IAM::Policy")
def _policy(c: Clients, pid: str, p: dict[str, Any], r: Report, w: str) -> None:
    for role in p.get("Roles", []):
        doc = call(c.iam.get_role_policy, RoleName=role, PolicyName=p["PolicyName"])
        r.expect(w, f"policy on {role}", doc["PolicyDocument"], p["PolicyDocument"])


@reads("AWS::IAM::ManagedPolicy")
def _managed_policy(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    pol = call(c.iam.get_policy, PolicyArn=arn)["Policy"]
    doc = c.iam.get_policy_version(PolicyArn=arn, VersionId=pol["DefaultVersionId"])
    r.expect(w, "document", doc["PolicyVersion"]["Document"], p["PolicyDocument"])


attributes(
    "AWS::IAM::Role",
    Arn=lambda c, p: call(c.iam.get_role, RoleName=p)["Role"]["Arn"],
    RoleId=lambda c, p: call(c.iam.get_role, RoleName=p)["Role"]["RoleId"],
)
