"""Read-back of CodeBuild: AWS::CodeBuild::Project, AWS::CodeBuild::ReportGroup, compared with
the template through CodeBuild's API.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Gone, Report, attributes, reads, sub, tags


def _project(c: Clients, name: str) -> dict[str, Any]:
    found = c.codebuild.batch_get_projects(names=[name])["projects"]
    if not found:
        raise Gone(name)
    return dict(found[0])


@reads("AWS::CodeBuild::Project")
def _codebuild(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _project(c, name)
    src, want_src = got["source"], p["Source"]
    r.expect(w, "source type", src["type"], want_src["Type"])
    if "BuildSpec" in want_src:
        r.expect(w, "buildspec", src.get("buildspec"), want_src["BuildSpec"])
    r.expect(w, "artifacts type", got["artifacts"]["type"], p["Artifacts"]["Type"])
    env, want_env = got["environment"], p["Environment"]
    for key in ("Type", "Image", "ComputeType", "PrivilegedMode", "ImagePullCredentialsType"):
        if key in want_env:
            r.expect(w, f"environment {key}", env.get(key[0].lower() + key[1:]), want_env[key])
    want_vars = [{"name": v["Name"], "value": v["Value"], "type": v.get("Type", "PLAINTEXT")}
                 for v in want_env.get("EnvironmentVariables", [])]
    r.expect(w, "environment variables", env.get("environmentVariables", []), want_vars)
    r.expect(w, "service role", got["serviceRole"], p["ServiceRole"])
    if "EncryptionKey" in p:
        r.expect(w, "encryption key", got["encryptionKey"], p["EncryptionKey"])
    if "LogsConfig" in p:
        cw = got.get("logsConfig", {}).get("cloudWatchLogs", {})
        want_cw = p["LogsConfig"]["CloudWatchLogs"]
        r.expect(w, "log group", cw.get("groupName"), want_cw.get("GroupName"))
        r.expect(w, "logs status", cw.get("status"), want_cw.get("Status"))
    if "Cache" in p:
        r.expect(w, "cache", got["cache"]["type"], p["Cache"]["Type"])
    if "TimeoutInMinutes" in p:
        r.expect(w, "timeout", got["timeoutInMinutes"], p["TimeoutInMinutes"])
    if "Tags" in p:
        got_tags = {t["key"]: t["value"] for t in got.get("tags") or []}
        r.expect(w, "tags", sub(got_tags, tags(p["Tags"])), tags(p["Tags"]))


def _report_group_info(c: Clients, arn: str) -> dict[str, Any]:
    found = c.codebuild.batch_get_report_groups(reportGroupArns=[arn])["reportGroups"]
    if not found:
        raise Gone(arn)
    return dict(found[0])


@reads("AWS::CodeBuild::ReportGroup")
def _report_group(c: Clients, arn: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = _report_group_info(c, arn)
    r.expect(w, "type", got["type"], p["Type"])
    r.expect(w, "export", got["exportConfig"]["exportConfigType"],
             p["ExportConfig"]["ExportConfigType"])
    if "Tags" in p:
        got_tags = {t["key"]: t["value"] for t in got.get("tags") or []}
        r.expect(w, "tags", sub(got_tags, tags(p["Tags"])), tags(p["Tags"]))


attributes("AWS::CodeBuild::Project", Arn=lambda c, p: _project(c, p)["arn"])
attributes("AWS::CodeBuild::ReportGroup", Arn=lambda c, p: _report_group_info(c, p)["arn"])
