"""The local AWS checks parameter constraints as CloudFormation does: a value the template's
AllowedPattern (or AllowedValues, lengths, number bounds) forbids fails CreateStack,
CreateChangeSet and UpdateStack with a ValidationError naming the parameter, and nothing is made."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from pitfalls.emulator import process
from pitfalls.emulator.cloudformation.parameters import problem
from pitfalls.emulator.verify import Clients

EMAIL = {"Type": "String", "AllowedPattern": r"[^@\s]+@[^@\s]+\.[^@\s]+",
         "ConstraintDescription": "must be an email address"}


@pytest.mark.parametrize(("spec", "value", "expected"), [
    (EMAIL, "notanemail", "Parameter 'P' failed to satisfy constraint: must be an email address"),
    (EMAIL, "you@example.com", ""),
    ({"Type": "String", "AllowedPattern": "[a-z]+"}, "abc1",  # the whole value must match
     "Parameter 'P' must match pattern [a-z]+"),
    ({"Type": "String", "AllowedValues": ["dev", "prod"]}, "test",
     "Parameter 'P' must be one of AllowedValues"),
    ({"Type": "String", "MinLength": 3}, "ab", "Parameter 'P' must contain at least 3 characters"),
    ({"Type": "String", "MaxLength": 3}, "abcd", "Parameter 'P' must contain at most 3 characters"),
    ({"Type": "Number", "MinValue": 1, "MaxValue": 10}, "0",
     "Parameter 'P' must be a number not less than 1"),
    ({"Type": "Number", "MinValue": 1, "MaxValue": 10}, "11",
     "Parameter 'P' must be a number not greater than 10"),
    ({"Type": "Number"}, "ten", "Parameter 'P' must be a number."),
    ({"Type": "Number", "AllowedValues": [1, 2]}, "2", ""),
    ({"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"]}, "a,c",
     "Parameter 'P' must be one of AllowedValues"),
    ({"Type": "List<Number>", "MaxValue": 5}, "1,9", "Parameter 'P' must be a number not greater than 5"),
], ids=["pattern-described", "pattern-ok", "pattern-whole", "allowed-values", "min-length",
        "max-length", "min-value", "max-value", "not-a-number", "number-ok", "list-values", "list-numbers"])
def test_constraint(spec: dict[str, object], value: str, expected: str) -> None:
    assert problem("P", spec, value) == expected


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clients]:
    with process.running(state_dir=tmp_path_factory.mktemp("emulator-state")) as endpoint:
        yield Clients(endpoint)


TEMPLATE = json.dumps({"Parameters": {"NotificationEmail": EMAIL},
                       "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def _param(value: str) -> list[dict[str, str]]:
    return [{"ParameterKey": "NotificationEmail", "ParameterValue": value}]


def test_the_apis_refuse_a_forbidden_value(clients: Clients) -> None:
    cfn = clients.cloudformation
    calls = {
        "CreateStack": lambda: cfn.create_stack(StackName="P1", TemplateBody=TEMPLATE,
                                                Parameters=_param("notanemail")),
        "CreateChangeSet": lambda: cfn.create_change_set(
            StackName="P2", ChangeSetName="cs", ChangeSetType="CREATE", TemplateBody=TEMPLATE,
            Parameters=_param("notanemail")),
    }
    for api, call in calls.items():
        with pytest.raises(ClientError) as err:
            call()
        assert err.value.response["Error"]["Code"] == "ValidationError", api
        assert err.value.response["Error"]["Message"] == (
            "Parameter 'NotificationEmail' failed to satisfy constraint: must be an email address"), api
    assert not [s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] in ("P1", "P2")]
    # A valid value deploys; updating it to a forbidden one is refused and the stack keeps its value.
    cfn.create_stack(StackName="P3", TemplateBody=TEMPLATE, Parameters=_param("you@example.com"))
    with pytest.raises(ClientError, match="must be an email address"):
        cfn.update_stack(StackName="P3", TemplateBody=TEMPLATE, Parameters=_param("nope"))
    (stack,) = cfn.describe_stacks(StackName="P3")["Stacks"]
    assert stack["Parameters"] == _param("you@example.com")

