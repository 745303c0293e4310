"""Read-back of Lambda: AWS::Lambda::Alias, AWS::Lambda::Function, AWS::Lambda::Version, compared
with the template through Lambda's API.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from pitfalls.emulator.inline_code import inline_zip
from pitfalls.emulator.readback import Clients, Gone, Report, attributes, call, reads, sub, tags


@reads("AWS::Lambda::Function")
def _function(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = call(c.awslambda.get_function, FunctionName=name)
    cfg = got["Configuration"]
    for key in ("Runtime", "Handler", "MemorySize", "Timeout", "Role", "Description"):
        if key in p:
            r.expect(w, key, cfg.get(key), p[key])
    r.expect(w, "environment", cfg.get("Environment", {}).get("Variables", {}),
             p.get("Environment", {}).get("Variables", {}))
    if "LoggingConfig" in p:
        r.expect(w, "logging config", sub(cfg.get("LoggingConfig", {}), p["LoggingConfig"]),
                 p["LoggingConfig"])
    if "Architectures" in p:
        r.expect(w, "architectures", cfg.get("Architectures"), p["Architectures"])
    if "ZipFile" in p["Code"]:
        obj = inline_zip(str(p["Code"]["ZipFile"]), p.get("Runtime"))
    else:
        obj = c.s3.get_object(Bucket=p["Code"]["S3Bucket"], Key=p["Code"]["S3Key"])[
            "Body"].read()

    r.expect(w, "code (sha256 of the S3 object)", cfg["CodeSha256"],
             base64.b64encode(hashlib.sha256(obj).digest()).decode())
    if "Tags" in p:
        r.expect(w, "tags", sub(got.get("Tags", {}), tags(p["Tags"])), tags(p["Tags"]))


@reads("AWS::Lambda::Version")
def _version(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    number = arn.rsplit(":", 1)[-1]
    versions = c.awslambda.list_versions_by_function(FunctionName=p["FunctionName"])["Versions"]
    if number not in {v["Version"] for v in versions}:
        raise Gone(arn)


@reads("AWS::Lambda::Alias")
def _lambda_alias(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = call(c.awslambda.get_alias, FunctionName=p["FunctionName"], Name=p["Name"])
    r.expect(w, "function version", got["FunctionVersion"], p["FunctionVersion"])
    if "Description" in p:
        r.expect(w, "description", got.get("Description"), p["Description"])


attributes(
    "AWS::Lambda::Function",
    Arn=lambda c, p: call(c.awslambda.get_function, FunctionName=p)["Configuration"][
        "FunctionArn"],
)
attributes(
    "AWS::Lambda::Version",
    Version=lambda c, p: call(c.awslambda.get_function_configuration, FunctionName=p)[
        "Version"],
)
