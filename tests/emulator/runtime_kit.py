"""Helpers of the tests of what runs on the local AWS (builds, functions, deployments)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

from pitfalls.emulator.verify import Clients

LINUX = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
         "computeType": "BUILD_GENERAL1_SMALL"}
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole",
    "Principal": {"Service": ["codebuild.amazonaws.com", "lambda.amazonaws.com",
                              "codedeploy.amazonaws.com"]}}]})


def zipped(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


def role(c: Clients, name: str = "runtime-role") -> str:
    try:
        return str(c.iam.get_role(RoleName=name)["Role"]["Arn"])
    except c.iam.exceptions.NoSuchEntityException:
        return str(c.iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"])


def project(c: Clients, name: str, buildspec: str, **extra: Any) -> str:
    """A NO_SOURCE project with an inline buildspec (moto's API wants a location anyway)."""
    spec = {"name": name, "source": {"type": "NO_SOURCE", "location": "none",
                                     "buildspec": buildspec},
            "artifacts": {"type": "NO_ARTIFACTS"}, "environment": LINUX,
            "serviceRole": role(c), **extra}
    c.codebuild.create_project(**spec)
    return name


def build(c: Clients, project_name: str, timeout: float = 30, **kwargs: Any) -> dict[str, Any]:
    """Start a build and wait for it; the finished build (BatchGetBuilds)."""
    started = c.codebuild.start_build(projectName=project_name, **kwargs)["build"]
    assert started["buildStatus"] == "IN_PROGRESS"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = c.codebuild.batch_get_builds(ids=[started["id"]])["builds"][0]
        if found["buildStatus"] != "IN_PROGRESS":
            assert found["buildComplete"] is True
            return dict(found)
        time.sleep(0.1)
    raise AssertionError(f"build {started['id']} did not finish within {timeout} s")


def log_text(c: Clients, group: str, stream: str) -> str:
    events = c.logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]
    return "\n".join(e["message"] for e in events)


def build_log(c: Clients, found: dict[str, Any]) -> str:
    return log_text(c, found["logs"]["groupName"], found["logs"]["streamName"])


def phases(found: dict[str, Any]) -> dict[str, str | None]:
    return {p["phaseType"]: p.get("phaseStatus") for p in found["phases"]}


def function(c: Clients, name: str, code: str, *, runtime: str = "nodejs24.x",
             timeout: int = 3, publish: bool = False, **extra: Any) -> dict[str, Any]:
    return dict(c.awslambda.create_function(
        FunctionName=name, Runtime=runtime, Role=role(c), Handler="index.handler",
        Code={"ZipFile": zipped({"index.mjs": code})}, Timeout=timeout, Publish=publish,
        **extra))


def invoke(c: Clients, name: str, event: Any = None, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    """(decoded payload, raw response) of a RequestResponse invocation."""
    r = c.awslambda.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kwargs)
    return json.loads(r["Payload"].read() or b"null"), r


def wait_for(check: Any, timeout: float, what: str, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"{what} did not happen within {timeout} s")
