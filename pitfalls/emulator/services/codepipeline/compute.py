"""How the pipeline's CodeBuild action starts a build and reads its outcome.

A pipeline hands a build its input artifacts (source type CODEPIPELINE) and the locations of its
output artifacts, which the StartBuild API cannot express; so the action starts the build through
the builds that run here (`pitfalls.emulator.services.codebuild.builds`). The build record it
reads is BatchGetBuilds' Build
(https://docs.aws.amazon.com/codebuild/latest/APIReference/API_Build.html): buildStatus, phases
with their contexts, exportedEnvironmentVariables.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.services.codebuild import builds
from pitfalls.emulator.services.codebuild.builds import Build


def start_build(account_id: str, region: str, project: str, *,
                source_zips: dict[str, tuple[str, str]],
                artifact_locations: dict[str, tuple[str, str]],
                env_overrides: list[dict[str, str]], initiator: str,
                encryption_key: str | None) -> Build:
    """Start a build of `project` for a pipeline action; it runs in the background."""
    from moto.codebuild.exceptions import ResourceNotFoundException

    from pitfalls.emulator.services.codepipeline.runs import ActionFailed

    try:
        return builds.start_build(account_id, region, project, source_zips=source_zips,
                                  artifact_locations=artifact_locations,
                                  env_overrides=env_overrides, initiator=initiator,
                                  encryption_key=encryption_key)
    except ResourceNotFoundException as exc:
        raise ActionFailed(str(exc.message), "ConfigurationError") from None


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
