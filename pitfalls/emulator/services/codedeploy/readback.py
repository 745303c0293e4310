"""Read-back of CodeDeploy: AWS::CodeDeploy::Application, AWS::CodeDeploy::DeploymentGroup,
compared with the template through CodeDeploy's API.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Report, call, reads


@reads("AWS::CodeDeploy::Application")
def _cd_app(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = call(c.codedeploy.get_application, applicationName=name)["application"]
    r.expect(w, "compute platform", got["computePlatform"], p.get("ComputePlatform", "Server"))


@reads("AWS::CodeDeploy::DeploymentGroup")
def _cd_group(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = call(c.codedeploy.get_deployment_group, applicationName=p["ApplicationName"],
                deploymentGroupName=name)["deploymentGroupInfo"]
    r.expect(w, "service role", got["serviceRoleArn"], p["ServiceRoleArn"])
    if "DeploymentConfigName" in p:
        r.expect(w, "deployment config", got["deploymentConfigName"], p["DeploymentConfigName"])
    if "AlarmConfiguration" in p:
        alarms = got.get("alarmConfiguration", {})
        r.expect(w, "alarms enabled", alarms.get("enabled"),
                 p["AlarmConfiguration"].get("Enabled", False))
        r.expect(w, "alarms", [a["name"] for a in alarms.get("alarms", [])],
                 [a["Name"] for a in p["AlarmConfiguration"].get("Alarms", [])])
    if "AutoRollbackConfiguration" in p:
        rb = got.get("autoRollbackConfiguration", {})
        r.expect(w, "auto rollback", rb.get("enabled"),
                 p["AutoRollbackConfiguration"].get("Enabled"))
        r.expect(w, "rollback events", sorted(rb.get("events", [])),
                 sorted(p["AutoRollbackConfiguration"].get("Events", [])))
    if "DeploymentStyle" in p:
        style = got.get("deploymentStyle", {})
        r.expect(w, "deployment style", (style.get("deploymentType"),
                                         style.get("deploymentOption")),
                 (p["DeploymentStyle"].get("DeploymentType"),
                  p["DeploymentStyle"].get("DeploymentOption")))
