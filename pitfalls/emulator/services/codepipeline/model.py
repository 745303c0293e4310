"""CodePipeline pipelines (their executions run: see `executions.py`)."""

from __future__ import annotations

from typing import Any

from moto.codepipeline.models import CodePipelineBackend, codepipeline_backends

from pitfalls.emulator.cloudformation.api_shape import api_tags, to_api
from pitfalls.emulator.cloudformation.errors import InvalidProperty, UnsupportedProperty
from pitfalls.emulator.cloudformation.resource import Resource, register

ACTION_KEYS = {"Name", "ActionTypeId", "Configuration", "InputArtifacts", "OutputArtifacts",
               "RoleArn", "RunOrder", "Region", "Namespace"}

ON_FAILURE_KEYS = {"Result", "RetryConfiguration"}
FAILURE_RESULTS = {"ROLLBACK", "FAIL"}  # RETRY and SKIP are not acted on here: refused


def codepipeline(account_id: str, region: str) -> CodePipelineBackend:
    return codepipeline_backends[account_id][region]


@register
class Pipeline(Resource):
    TYPE = "AWS::CodePipeline::Pipeline"
    NAME_PROPERTY = "Name"
    NAME_MAX = 100
    PROPERTIES = {"Name": "", "RoleArn": "must exist and trust codepipeline.amazonaws.com",
                  "ArtifactStore": "one store (S3, optional KMS key)",
                  "Stages": "at least two; actions with the keys the API has; a stage's "
                            "OnFailure (V2 pipelines): Result FAIL or ROLLBACK, acted on",
                  "PipelineType": "", "ExecutionMode": "SUPERSEDED, QUEUED, PARALLEL; acted on",
                  "Variables": "#{variables.NAME} in action configurations", "Tags": ""}
    REQUIRED = ("RoleArn", "Stages")
    ATTRIBUTES = ("Version",)
    REF = "pipeline name"
    READ_BACK = "GetPipeline, ListTagsForResource"

    @classmethod
    def check(cls, props: dict[str, Any]) -> None:
        for stage in props["Stages"]:
            for key in stage:
                if key not in ("Name", "Actions", "OnFailure"):
                    raise UnsupportedProperty(cls.TYPE, f"Stages.{key}")
            on_failure = stage.get("OnFailure")
            if on_failure is not None:
                for key in on_failure:
                    if key not in ON_FAILURE_KEYS:
                        raise UnsupportedProperty(cls.TYPE, f"Stages.OnFailure.{key}")
                if on_failure.get("Result") not in FAILURE_RESULTS:
                    raise UnsupportedProperty(cls.TYPE, f"Stages.OnFailure.Result: "
                                              f"{on_failure.get('Result')}",
                                              "the local AWS acts on FAIL and ROLLBACK only")
                if "RetryConfiguration" in on_failure:
                    raise UnsupportedProperty(cls.TYPE, "Stages.OnFailure.RetryConfiguration",
                                              "stage retries are not run")
                if props.get("PipelineType", "V1") != "V2":
                    raise InvalidProperty("Stages.OnFailure needs PipelineType V2")
            for action in stage["Actions"]:
                for key in action:
                    if key not in ACTION_KEYS:
                        raise UnsupportedProperty(cls.TYPE, f"Stages.Actions.{key}")
        if "ArtifactStore" not in props:
            raise UnsupportedProperty(cls.TYPE, "(no ArtifactStore)", "ArtifactStores for "
                                      "cross-region pipelines is not emulated")

    def _definition(self) -> dict[str, Any]:
        p = self.props
        pipeline: dict[str, Any] = {
            "name": self.name,
            "roleArn": p["RoleArn"],
            "artifactStore": to_api(p["ArtifactStore"]),
            "stages": to_api(p["Stages"], keep=frozenset({"Configuration"})),
            "pipelineType": p.get("PipelineType", "V1"),
        }
        if "ExecutionMode" in p:
            pipeline["executionMode"] = p["ExecutionMode"]
        if "Variables" in p:
            pipeline["variables"] = to_api(p["Variables"])
        return pipeline

    def create(self) -> None:
        codepipeline(self.account_id, self.region).create_pipeline(
            self._definition(), api_tags(self.props.get("Tags")) or None)  # type: ignore[arg-type]

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        b = codepipeline(self.account_id, self.region)
        if changed - {"Tags"}:
            b.update_pipeline(self._definition())
        if "Tags" in changed:
            b.pipelines[self.name].tags = {t["Key"]: t["Value"]
                                           for t in self.props.get("Tags", [])}

    def destroy(self) -> None:
        codepipeline(self.account_id, self.region).delete_pipeline(self.name)

    def attribute(self, name: str) -> Any:
        return str(codepipeline(self.account_id, self.region).pipelines[self.name]
                   .pipeline["version"])
