"""Lambda version numbers on the local AWS: never reused, as in Lambda.

A release with `fn.current_version` replaces its AWS::Lambda::Version, and CloudFormation
deletes the old one (the CDK's default removal policy); a rollback that redeploys old code then
publishes a new version. moto numbered it len(versions) + 1, handing out a number that was
still in use. Tested through the Lambda API, on an emulator of this module's own.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pitfalls.emulator import process
from pitfalls.emulator.verify import Clients


def _zip(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.js", text)
    return buf.getvalue()


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clients]:
    state: Path = tmp_path_factory.mktemp("lambda-versions")
    with process.running(state_dir=state) as endpoint:
        yield Clients(endpoint)
    assert not process.status(state).running


def test_a_version_number_is_never_reused_after_a_version_is_deleted(aws: Clients) -> None:
    role = aws.iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]
    }))["Role"]["Arn"]
    lam = aws.awslambda
    lam.create_function(FunctionName="fn", Runtime="nodejs24.x", Role=role,
                        Handler="index.handler", Code={"ZipFile": _zip("// v1")})
    assert lam.publish_version(FunctionName="fn")["Version"] == "1"
    lam.update_function_code(FunctionName="fn", ZipFile=_zip("// v2"))
    assert lam.publish_version(FunctionName="fn")["Version"] == "2"
    # Nothing changed since version 2: publishing again returns it, no new number.
    assert lam.publish_version(FunctionName="fn")["Version"] == "2"
    lam.delete_function(FunctionName="fn", Qualifier="1")
    lam.update_function_code(FunctionName="fn", ZipFile=_zip("// v1"))
    assert lam.publish_version(FunctionName="fn")["Version"] == "3"
    lam.delete_function(FunctionName="fn", Qualifier="3")
    lam.update_function_code(FunctionName="fn", ZipFile=_zip("// v4"))
    assert lam.publish_version(FunctionName="fn")["Version"] == "4"  # 3 was the highest, deleted
    listed = [v["Version"] for v in lam.list_versions_by_function(FunctionName="fn")["Versions"]]
    assert listed == ["$LATEST", "2", "4"]
