"""Lambda functions, versions and aliases (with CodeDeploy's alias update policy)."""

from __future__ import annotations

import base64
from typing import Any, cast

from moto.awslambda.exceptions import (
    FunctionAlreadyExists,
    UnknownAliasException,
    UnknownFunctionException,
)
from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends
from moto.iam.exceptions import NotFoundException as IAMNotFound
from moto.iam.models import iam_backends

from pitfalls.emulator.cloudformation.errors import InvalidProperty, UnsupportedProperty
from pitfalls.emulator.cloudformation.resource import Resource, register, tag_list, tags_dict
from pitfalls.emulator.cloudformation.update_policies import carry_out
from pitfalls.emulator.inline_code import inline_file_name, inline_zip

CONFIG_KEYS = ("Handler", "Runtime", "Role", "MemorySize", "Timeout", "Description")
HOOKS = ("BeforeAllowTrafficHook", "AfterAllowTrafficHook")


def lam(account_id: str, region: str) -> LambdaBackend:
    return lambda_backends[account_id][region]


@register
class Function(Resource):
    TYPE = "AWS::Lambda::Function"
    NAME_PROPERTY = "FunctionName"
    NAME_MAX = 64
    PROPERTIES = {
        "FunctionName": "",
        "Code": "S3Bucket + S3Key (CDK assets; the object must exist), or ZipFile (inline "
                "code, zipped as index.js / index.py for Node.js / Python runtimes)",
        "Handler": "", "Runtime": "", "Role": "must be an existing role ARN",
        "MemorySize": "", "Timeout": "", "Description": "",
        "Environment": "", "LoggingConfig": "", "Architectures": "", "TracingConfig": "",
        "Tags": "",
    }
    REQUIRED = ("Code", "Role")
    ATTRIBUTES = ("Arn",)
    REF = "function name"
    READ_BACK = "GetFunction, GetFunctionConfiguration, ListTags"
    WRITE_ONLY = ("Code/S3Bucket", "Code/S3Key", "Code/ZipFile")

    @classmethod
    def check(cls, props: dict[str, Any]) -> None:
        code = props["Code"]
        for key in sorted(set(code) - {"S3Bucket", "S3Key", "ZipFile"}):
            raise UnsupportedProperty(cls.TYPE, f"Code.{key}",
                                      "only S3Bucket + S3Key (the CDK's assets) or ZipFile")
        if "ZipFile" in code:
            if set(code) != {"ZipFile"}:
                raise InvalidProperty("Code.ZipFile cannot be combined with S3Bucket / S3Key")
            if inline_file_name(props.get("Runtime")) is None:
                raise UnsupportedProperty(cls.TYPE, "Code.ZipFile",
                                          f"inline code for runtime {props.get('Runtime')}")
        elif set(code) != {"S3Bucket", "S3Key"}:
            raise InvalidProperty("Code needs S3Bucket and S3Key, or ZipFile")

    def _code(self) -> dict[str, Any]:
        """The Code of the Lambda API: S3 location as given, inline code as a zip."""
        code = self.props["Code"]
        if "ZipFile" in code:
            return {"ZipFile": base64.b64encode(
                inline_zip(str(code["ZipFile"]), self.props.get("Runtime"))).decode()}
        return dict(code)

    @property
    def backend(self) -> LambdaBackend:
        return lam(self.account_id, self.region)

    def _check_role(self) -> None:
        try:
            iam_backends[self.account_id][self.partition].get_role_by_arn(self.props["Role"])
        except IAMNotFound:
            raise InvalidProperty(
                f"The role defined for the function cannot be assumed by Lambda "
                f"(role {self.props['Role']} does not exist)") from None

    def create(self) -> None:
        p = self.props
        # Lambda's CreateFunction refuses a taken name (moto's API does too); its backend, which
        # we call, would silently replace the other stack's function.
        if self.name in {f.function_name for f in self.backend.list_functions()}:
            raise FunctionAlreadyExists(self.name)
        self._check_role()
        spec: dict[str, Any] = {"FunctionName": self.name, "Code": self._code(),
                                "Tags": tags_dict(p.get("Tags"))}
        for key in CONFIG_KEYS + ("Environment", "Architectures", "TracingConfig"):
            if key in p:
                spec[key] = p[key]
        fn = self.backend.create_function(spec)
        # moto's function has no such field; services.get_configuration reports it.
        setattr(fn, "logging_config", dict(p.get("LoggingConfig") or {}))  # noqa: B010

    def _fn(self) -> LambdaFunction:
        return self.backend.get_function(self.name)

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        p, fn = self.props, self._fn()
        if "Role" in changed:
            self._check_role()
        if "Code" in changed or ("Runtime" in changed and "ZipFile" in p["Code"]):
            fn.update_function_code(self._code())
        updates: dict[str, Any] = {k: p.get(k) for k in CONFIG_KEYS if k in changed}
        if "Description" in updates and updates["Description"] is None:
            updates["Description"] = ""
        if "Environment" in changed:
            updates["Environment"] = {"Variables": (p.get("Environment") or {}).get(
                "Variables", {})}
        if "LoggingConfig" in changed:
            updates["LoggingConfig"] = p.get("LoggingConfig") or {}
        if updates:
            fn.update_configuration(updates)
        if "Architectures" in changed:
            fn.architectures = p.get("Architectures", ["x86_64"])
            fn.code_or_config_updated = True
        if "TracingConfig" in changed:
            fn.tracing_config = p.get("TracingConfig") or {"Mode": "PassThrough"}
            fn.code_or_config_updated = True
        if "Tags" in changed:
            fn.tags = tags_dict(p.get("Tags"))

    def destroy(self) -> None:
        try:
            self.backend.delete_function(self.name)
        except UnknownFunctionException:
            pass

    def attribute(self, name: str) -> Any:
        return self._fn().function_arn

    def actual(self) -> dict[str, Any] | None:
        try:
            fn = self._fn()
        except UnknownFunctionException:
            return None
        cfg = fn.get_configuration()
        out = {k: cfg.get(k) for k in ("FunctionName",) + CONFIG_KEYS}
        out.update(Environment={"Variables": dict((cfg.get("Environment") or {}).get(
            "Variables") or {})}, LoggingConfig=cfg.get("LoggingConfig") or {},
            Architectures=cfg.get("Architectures"), TracingConfig=cfg.get("TracingConfig"),
            Tags=tag_list(fn.tags))
        return out


@register
class Version(Resource):
    TYPE = "AWS::Lambda::Version"
    PROPERTIES = {"FunctionName": "", "Description": "",
                  "CodeSha256": "checked against the function's code"}
    REQUIRED = ("FunctionName",)
    REPLACE_ON = frozenset({"FunctionName", "Description", "CodeSha256"})
    ATTRIBUTES = ("Version", "FunctionArn")
    REF = "version ARN"
    READ_BACK = "ListVersionsByFunction"

    def create(self) -> None:
        b, p = lam(self.account_id, self.region), self.props
        fn = b.get_function(p["FunctionName"])
        if "CodeSha256" in p and p["CodeSha256"] != fn.code_sha_256:
            raise InvalidProperty("CodeSha256 does not match the function's code")
        published = b.publish_version(p["FunctionName"], p.get("Description", ""))
        if published is None:
            raise InvalidProperty(f"could not publish a version of {p['FunctionName']}")
        self.function_name = fn.function_name
        self.version = str(published.version)
        self.physical_id = published.function_arn

    def destroy(self) -> None:
        try:
            lam(self.account_id, self.region).delete_function(self.function_name, self.version)
        except (UnknownFunctionException, KeyError):
            pass

    def attribute(self, name: str) -> Any:
        return self.version if name == "Version" else self.physical_id.rsplit(":", 1)[0]

    def actual(self) -> dict[str, Any] | None:
        try:
            version = lam(self.account_id, self.region).get_function(self.function_name,
                                                                     self.version)
        except UnknownFunctionException:
            return None
        cfg = version.get_configuration()
        return {"FunctionName": self.props["FunctionName"] if cfg.get("FunctionName") in (
                    self.props["FunctionName"], self.function_name) else cfg.get("FunctionName"),
                "Description": cfg.get("Description", ""), "CodeSha256": cfg.get("CodeSha256")}


@register
class Alias(Resource):
    TYPE = "AWS::Lambda::Alias"
    PROPERTIES = {"FunctionName": "", "FunctionVersion": "", "Name": "", "Description": "",
                  "RoutingConfig": "AdditionalVersionWeights"}
    REQUIRED = ("FunctionName", "FunctionVersion", "Name")
    REPLACE_ON = frozenset({"FunctionName", "Name"})
    EXTRA_RESOURCE_KEYS = frozenset({"UpdatePolicy"})
    ATTRIBUTES = ("AliasArn",)
    REF = "alias ARN"
    READ_BACK = "GetAlias (and CodeDeploy ListDeployments under CodeDeployLambdaAliasUpdate)"

    @classmethod
    def validate(cls, resource_json: dict[str, Any]) -> dict[str, Any]:
        policy = resource_json.get("UpdatePolicy") or {}
        for key in policy:
            if key != "CodeDeployLambdaAliasUpdate":
                raise UnsupportedProperty(cls.TYPE, f"UpdatePolicy.{key}")
        for key in policy.get("CodeDeployLambdaAliasUpdate", {}):
            if key not in ("ApplicationName", "DeploymentGroupName") + HOOKS:
                raise UnsupportedProperty(cls.TYPE, f"UpdatePolicy.CodeDeployLambdaAliasUpdate."
                                          f"{key}")
        return super().validate(resource_json)

    def _check_hooks(self) -> None:
        """The hook functions must exist (they go into the deployment's AppSpec, and CodeDeploy
        invokes them: `releases`)."""
        via = (self.resource_json.get("UpdatePolicy") or {}).get(
            "CodeDeployLambdaAliasUpdate") or {}
        for hook in HOOKS:
            if hook in via:
                try:
                    lam(self.account_id, self.region).get_function(str(via[hook]))
                except UnknownFunctionException:
                    raise InvalidProperty(f"UpdatePolicy.CodeDeployLambdaAliasUpdate.{hook}: "
                                          f"function {via[hook]} does not exist") from None

    def _routing(self) -> Any:
        """CloudFormation lists the weights; the Lambda API maps version -> weight."""
        weights = (self.props.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
        if not weights:
            return None
        return {"AdditionalVersionWeights": {w["FunctionVersion"]: float(w["FunctionWeight"])
                                             for w in weights}}

    def create(self) -> None:
        p = self.props
        self._check_hooks()
        alias = lam(self.account_id, self.region).create_alias(
            name=p["Name"], function_name=p["FunctionName"], function_version=p["FunctionVersion"],
            description=p.get("Description", ""), routing_config=self._routing())
        self.physical_id = alias.arn

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        p = self.props
        via = (self.resource_json.get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate")
        self._check_hooks()
        if via and "FunctionVersion" in changed:
            carry_out("CodeDeployLambdaAliasUpdate", "AWS::Lambda::Alias",
                      account_id=self.account_id, region=self.region, via=via,
                      function=p["FunctionName"], alias=p["Name"], current=old["FunctionVersion"],
                      target=p["FunctionVersion"])
        lam(self.account_id, self.region).update_alias(
            name=p["Name"], function_name=p["FunctionName"], function_version=p["FunctionVersion"],
            description=p.get("Description", ""), routing_config=self._routing())

    def destroy(self) -> None:
        p = self.props
        try:
            lam(self.account_id, self.region).delete_alias(p["Name"], p["FunctionName"])
        except (UnknownFunctionException, UnknownAliasException):
            pass

    def attribute(self, name: str) -> Any:
        return self.physical_id

    def actual(self) -> dict[str, Any] | None:
        p = self.props
        try:
            alias = lam(self.account_id, self.region).get_alias(p["Name"], p["FunctionName"])
        except (UnknownFunctionException, UnknownAliasException):
            return None
        routing: dict[str, Any] = cast(dict[str, Any], alias.routing_config or {})
        weights = routing.get("AdditionalVersionWeights") or {}
        out: dict[str, Any] = {"FunctionName": p["FunctionName"], "Name": alias.name,
               "FunctionVersion": str(alias.function_version),
               "Description": alias.description or ""}
        if weights or "RoutingConfig" in p:
            out["RoutingConfig"] = {"AdditionalVersionWeights": [
                {"FunctionVersion": v, "FunctionWeight": w} for v, w in sorted(weights.items())]}
        return out
