"""AWS::CDK::Metadata: the CDK's analytics record. CloudFormation keeps it and nothing else."""

from __future__ import annotations

from moto.moto_api._internal import mock_random

from pitfalls.emulator.cloudformation.resource import Resource, register


@register
class Metadata(Resource):
    TYPE = "AWS::CDK::Metadata"
    PROPERTIES = {"Analytics": "kept in the stack, as in AWS (no service behind it)"}
    REF = "generated id"
    READ_BACK = "DescribeStackResources"

    def create(self) -> None:
        self.physical_id = str(mock_random.uuid4())

    def update(self, old: dict[str, object], changed: set[str]) -> None:
        pass

    def destroy(self) -> None:
        pass
