"""SSM parameters (the CDK bootstrap stores its version in one)."""

from __future__ import annotations

from typing import Any, cast

from moto.ssm.models import SimpleSystemManagerBackend, ssm_backends

from pitfalls.emulator.cloudformation.errors import UnsupportedProperty
from pitfalls.emulator.cloudformation.resource import Resource, register

TYPES = {"String", "StringList"}  # CloudFormation cannot create SecureString parameters


def ssm(account_id: str, region: str) -> SimpleSystemManagerBackend:
    return ssm_backends[account_id][region]


@register
class Parameter(Resource):
    TYPE = "AWS::SSM::Parameter"
    NAME_PROPERTY = "Name"
    NAME_MAX = 2048
    PROPERTIES = {"Name": "", "Type": "String or StringList", "Value": "", "Description": "",
                  "AllowedPattern": "", "DataType": "", "Tier": "", "Tags": "a map, as in "
                  "CloudFormation"}
    REQUIRED = ("Type", "Value")
    ATTRIBUTES = ("Type", "Value")
    REF = "parameter name"
    READ_BACK = "GetParameter, DescribeParameters, ListTagsForResource"

    @classmethod
    def check(cls, props: dict[str, Any]) -> None:
        if props["Type"] not in TYPES:
            raise UnsupportedProperty(cls.TYPE, f"Type: {props['Type']}")

    @classmethod
    def _name_for(cls, props: dict[str, Any], stack_id: str, logical_id: str) -> str:
        # CloudFormation's generated parameter names look like CFN-<logical>-<random>
        if props.get("Name"):
            return str(props["Name"])
        from pitfalls.emulator.cloudformation.resource import random_suffix

        return f"CFN-{logical_id}-{random_suffix()}"

    def _put(self, overwrite: bool) -> None:
        p = self.props
        ssm(self.account_id, self.region).put_parameter(
            name=self.name, description=p.get("Description", ""), value=str(p["Value"]),
            parameter_type=p["Type"], allowed_pattern=p.get("AllowedPattern", ""),
            keyid=cast(str, None),
            overwrite=overwrite,
            tags=[] if overwrite else [{"Key": k, "Value": v}
                                       for k, v in (p.get("Tags") or {}).items()],
            data_type=p.get("DataType", "text"), tier=p.get("Tier"), policies=None)

    def create(self) -> None:
        self._put(overwrite=False)

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        b = ssm(self.account_id, self.region)
        self._put(overwrite=True)
        if "Tags" in changed:
            new, before = self.props.get("Tags") or {}, old.get("Tags") or {}
            gone = [k for k in before if k not in new]
            if gone:
                b.remove_tags_from_resource("Parameter", self.name, gone)
            if new:
                b.add_tags_to_resource("Parameter", self.name, new)

    def destroy(self) -> None:
        ssm(self.account_id, self.region).delete_parameter(self.name)

    def attribute(self, name: str) -> Any:
        return self.props[name]
