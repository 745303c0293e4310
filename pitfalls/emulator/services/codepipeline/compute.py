"""How the pipeline's CodeBuild action starts a build and reads its outcome.

A pipeline hands a build its input artifacts (source type CODEPIPELINE) and the locations of its
output artifacts, which the StartBuild API cannot express; so the action starts the build through
CodeBuild's backend. The build record it reads is BatchGetBuilds' Build
(https://docs.aws.amazon.com/codebuild/latest/APIReference/API_Build.html): buildStatus, phases
with their contexts, exportedEnvironmentVariables.
"""

from __future__ import annotations

from typing import Any, Protocol

from moto.codebuild.models import codebuild_backends


class BuildHandle(Protocol):
    id: str

    def wait(self, timeout: float | None = None) -> bool: ...

    def stop(self) -> None: ...

    def to_api(self) -> dict[str, Any]: ...


class RecordedBuild:
    """moto's own build: recorded, never run, reported SUCCEEDED when first read."""

    def __init__(self, account_id: str, region: str, project: str) -> None:
        self.backend = codebuild_backends[account_id][region]
        if project not in self.backend.codebuild_projects:
            from pitfalls.emulator.services.codepipeline.runs import ActionFailed

            raise ActionFailed(f"Project cannot be found: {project}", "ConfigurationError")
        self.record = self.backend.start_build(project)
        self.id = str(self.record["id"])

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def stop(self) -> None:
        self.backend.stop_build(self.id)

    def to_api(self) -> dict[str, Any]:
        return dict(self.backend.batch_get_builds([self.id])[0])


def start_build(account_id: str, region: str, project: str, *,
                source_zips: dict[str, tuple[str, str]],
                artifact_locations: dict[str, tuple[str, str]],
                env_overrides: list[dict[str, str]], initiator: str,
                encryption_key: str | None) -> BuildHandle:
    """Start a build of `project` for a pipeline action."""
    return RecordedBuild(account_id, region, project)


def failure_summary(build: dict[str, Any]) -> str:
    """The action's summary for a build that did not succeed, in CodePipeline's words."""
    status = build.get("buildStatus", "FAILED")
    failed = [p for p in build.get("phases") or []
              if p.get("phaseStatus") not in (None, "SUCCEEDED")]
    if not failed:
        return f"Build terminated with state: {status}"
    phase = failed[0]
    context = (phase.get("contexts") or [{}])[0]
    text = (f"Build terminated with state: {status}. Phase: {phase.get('phaseType')}, "
            f"Code: {context.get('statusCode', phase.get('phaseStatus'))}")
    return f"{text}, Message: {context['message']}" if context.get("message") else text
