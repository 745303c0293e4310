"""Patches of moto's CodeDeploy: GetDeploymentGroup answers the alarm configuration."""

from __future__ import annotations

from typing import Any

from moto.codedeploy import responses as codedeploy_responses

from pitfalls.emulator.moto_patch import replaces

_original_deployment_group_info = codedeploy_responses._deployment_group_info


@replaces("moto.codedeploy.responses:_deployment_group_info",
          "7b95897b72eadb0a6b90956f34a8ddc17cfc8fb515244541cf515cd28b47ab46")
def deployment_group_info(deployment_group: Any) -> dict[str, Any]:
    """GetDeploymentGroup answers the alarm configuration (moto leaves it empty).

    moto answers with an empty alarmConfiguration ("TODO"), whatever was configured.
    """
    info = _original_deployment_group_info(deployment_group)
    info["alarmConfiguration"] = deployment_group.alarm_configuration or {
        "enabled": False, "ignorePollAlarmFailure": False, "alarms": []}
    return info
