"""Patches of moto's Lambda: LoggingConfig is kept and reported, version numbers never reused."""

from __future__ import annotations

import copy
from typing import Any, cast

from moto.awslambda.models import LambdaFunction, LambdaStorage

from pitfalls.emulator.moto_patch import replaces

_original_get_configuration = LambdaFunction.get_configuration
_original_update_configuration = LambdaFunction.update_configuration


@replaces("moto.awslambda.models:LambdaFunction.get_configuration",
          "803fb04bffde71d97d974007c506f6dabaf64242efdf47b05502890335eb5be2")
def get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
    """Report LoggingConfig, which moto does not store.

    AWS always returns it, with these defaults.
    """
    config = _original_get_configuration(self, on_create)
    logging_config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}"}
    logging_config.update(getattr(self, "logging_config", None) or {})
    config["LoggingConfig"] = logging_config
    return config


@replaces("moto.awslambda.models:LambdaFunction.update_configuration",
          "eca1cdec066f996f69a7c2045cb3ae7608a15275f6fb75fc44e1c5a362f37096")
def update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    """Accept LoggingConfig updates (moto drops keys it does not know)."""
    if "LoggingConfig" in config_updates:
        setattr(self, "logging_config", dict(config_updates["LoggingConfig"] or {}))  # noqa: B010
    return _original_update_configuration(self, config_updates)


@replaces("moto.awslambda.models:LambdaStorage.publish_version",
          "b62a3d20bd8f190463137a6278f102877818beb368f36b0b3ca3ab06c9fe20bd")
def publish_version(self: LambdaStorage, name_or_arn: str,
                    description: str = "") -> LambdaFunction | None:
    """A new Lambda version takes the next number never used (moto reused a deleted one's).

    moto numbers a new version len(versions) + 1, so after version 1 is deleted (CloudFormation
    removes the replaced AWS::Lambda::Version of `fn.current_version`) the next publish is "2"
    again, beside the existing version 2. Lambda never reuses a version number of a function.
    """
    function = self.get_function_by_name_or_arn_forbid_qualifier(name_or_arn)
    name = function.function_name
    if name not in self._functions:
        return None
    latest = self._functions[name]["latest"]
    if not latest:
        return None
    all_versions = self._functions[name]["versions"]
    if all_versions:
        if not function.code_or_config_updated:
            return cast(LambdaFunction, all_versions[-1])  # nothing changed: no new version
        function.code_or_config_updated = False
    # The highest number ever published for this function, kept on its $LATEST.
    last = max([getattr(latest, "pitfalls_last_version", 0)]
               + [int(v.version) for v in all_versions])
    fn = copy.copy(latest)
    fn.set_version(last + 1)
    latest.pitfalls_last_version = last + 1
    if description:
        fn.description = description
    all_versions.append(fn)
    self._arns[fn.function_arn] = fn
    return fn
