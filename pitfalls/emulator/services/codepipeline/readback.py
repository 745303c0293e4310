"""Read-back of CodePipeline: AWS::CodePipeline::Pipeline, compared with the template through
GetPipeline.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.cloudformation.api_shape import to_api
from pitfalls.emulator.readback import Clients, Report, call, reads, sub, tags


@reads("AWS::CodePipeline::Pipeline")
def _pipeline(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = call(c.codepipeline.get_pipeline, name=name)["pipeline"]
    r.expect(w, "role", got["roleArn"], p["RoleArn"])
    r.expect(w, "pipeline type", got.get("pipelineType"), p.get("PipelineType", "V1"))
    if "ExecutionMode" in p:
        r.expect(w, "execution mode", got.get("executionMode"), p["ExecutionMode"])
    if "Variables" in p:
        r.expect(w, "variables", got.get("variables"), to_api(p["Variables"]))
    store, want = got["artifactStore"], p["ArtifactStore"]
    r.expect(w, "artifact store", store["location"], want["Location"])
    if "EncryptionKey" in want:
        r.expect(w, "artifact key", store.get("encryptionKey", {}).get("id"),
                 want["EncryptionKey"]["Id"])
    r.expect(w, "stages", [s["name"] for s in got["stages"]], [s["Name"] for s in p["Stages"]])
    for gs, ws in zip(got["stages"], p["Stages"], strict=False):
        r.expect(f"{w} stage {ws['Name']}", "on failure", gs.get("onFailure"),
                 to_api(ws["OnFailure"]) if "OnFailure" in ws else None)
        r.expect(f"{w} stage {ws['Name']}", "actions", [a["name"] for a in gs["actions"]],
                 [a["Name"] for a in ws["Actions"]])
        for ga, wa in zip(gs["actions"], ws["Actions"], strict=False):
            where = f"{w} action {ws['Name']}/{wa['Name']}"
            r.expect(where, "name", ga["name"], wa["Name"])
            r.expect(where, "type", ga["actionTypeId"],
                     {k[0].lower() + k[1:]: v for k, v in wa["ActionTypeId"].items()})
            r.expect(where, "configuration", ga.get("configuration", {}),
                     wa.get("Configuration", {}))
            r.expect(where, "inputs", [a["name"] for a in ga.get("inputArtifacts", [])],
                     [a["Name"] for a in wa.get("InputArtifacts", [])])
            r.expect(where, "outputs", [a["name"] for a in ga.get("outputArtifacts", [])],
                     [a["Name"] for a in wa.get("OutputArtifacts", [])])
            r.expect(where, "role", ga.get("roleArn"), wa.get("RoleArn"))
            r.expect(where, "run order", ga.get("runOrder", 1), wa.get("RunOrder", 1))
            r.expect(where, "namespace", ga.get("namespace"), wa.get("Namespace"))
    if "Tags" in p:
        arn = f"arn:aws:codepipeline:{c.region}:{c.account}:{name}"
        got_tags = {t["key"]: t["value"] for t in
                    c.codepipeline.list_tags_for_resource(resourceArn=arn)["tags"]}
        r.expect(w, "tags", sub(got_tags, tags(p["Tags"])), tags(p["Tags"]))
