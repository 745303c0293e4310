"""Scenario 01: a pipeline must build, then test, then deploy what was built.

CDK already refuses a pipeline with fewer than two stages, an empty stage, a source action outside
the first stage, or an input artifact that nothing produces. These checks cover what it accepts.
"""

from __future__ import annotations

from collections.abc import Iterator

from pitfalls.checks import Violation, check
from pitfalls.checks.flow import Flow, flows
from pitfalls.templates import PIPELINE, Template, pipeline_actions
from pitfalls.templates import PipelineAction as Action


def pipelines(t: Template) -> Iterator[tuple[str, list[Action]]]:
    """Pipelines with at least two stages (CloudFormation rejects fewer before these matter)."""
    for lid, _ in t.resources(PIPELINE):
        actions = pipeline_actions(t.props(lid))
        if max((a.stage_index for a in actions), default=-1) >= 1:
            yield lid, actions


def _deploy_names(flow: Flow) -> str:
    return ", ".join(s.where for s in flow.deploys)


@check(
    id="PP01-NO-BUILD",
    scenario=1,
    severity="warning",
    requirement="Between source and deploy, a build action turns the source into a package.",
    rationale=(
        "Without a build stage the pipeline ships the raw source zip: dependencies are not "
        "installed, nothing is compiled or packaged, and the deployed code is not what was tested."
    ),
    fix=(
        "Add a stage with codepipeline_actions.CodeBuildAction(input=source_output, "
        "outputs=[build_output]) before the deploy stage."
    ),
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeBuild.html",
)
def no_build(t: Template) -> Iterator[Violation]:
    for flow in flows(t):
        builds = [
            s for s in flow.early()
            if s.action.category == "Build" and s.action.outputs and not s.deploys
        ]
        if not builds:
            where = f"before the deploy ({_deploy_names(flow)})" if flow.deploys else "in the pipeline"
            yield flow.pipeline, f"no build action produces an artifact {where}"


@check(
    id="PP01-NO-TEST",
    scenario=1,
    severity="warning",
    requirement="A test action runs before the deploy stage, so failing tests stop the release.",
    rationale=(
        "A pipeline without a test action deploys every change, broken or not; tests placed in "
        "or after the deploy stage run only once the damage is done."
    ),
    fix=(
        "Add a stage with CodeBuildAction(type=CodeBuildActionType.TEST, ...) between the build "
        "and deploy stages."
    ),
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeBuild.html",
)
def no_test(t: Template) -> Iterator[Violation]:
    for flow in flows(t):
        if any(s.tests is not False for s in flow.early()):
            continue  # a step runs tests, or may (its commands are out of sight)
        testing = [s for s in flow.steps if s.tests]
        scans = [s for s in flow.early() if s.action.category == "Test" and s.scans]
        if testing:
            names = ", ".join(s.where for s in testing)
            yield flow.pipeline, f"tests run only in or after the deploy ({names}), not before it"
        elif scans:
            names = ", ".join(s.where for s in scans)
            yield flow.pipeline, f"the Test action {names} runs a security scan, and no action runs the tests"
        else:
            yield flow.pipeline, "no action runs a test runner before the deploy"


@check(
    id="PP01-DEPLOYS-SOURCE",
    scenario=1,
    severity="warning",
    requirement="The deploy stage consumes the build's output artifact, never the raw source.",
    rationale=(
        "A deploy action wired to the source artifact skips the build and the tests even when "
        "they exist: the stages run, but what they produced never reaches production."
    ),
    fix="Give the deploy action input=build_output (the artifact the build action produces).",
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/welcome-introducing-artifacts.html",
)
def deploys_source(t: Template) -> Iterator[Violation]:
    for flow in flows(t):
        source_outputs = {o for s in flow.steps if s.action.category == "Source" for o in s.action.outputs}
        built = {
            o for s in flow.early() if s.action.category == "Build" for o in s.action.outputs
        }
        for step in flow.deploys:
            inputs = set(step.action.inputs)
            if inputs & source_outputs and not inputs & built:
                yield flow.pipeline, (
                    f"deploy action {step.where} consumes the source artifact "
                    f"{', '.join(step.action.inputs)} instead of a build output"
                )


@check(
    id="PP01-UNUSED-ARTIFACT",
    scenario=1,
    severity="warning",
    requirement="Every artifact a build produces is consumed by a later action.",
    rationale=(
        "An output artifact that nothing consumes means the stages are not linked: the build's "
        "work is thrown away and a later stage works from something else."
    ),
    fix="Pass the build's output artifact as the input of the next stage's action.",
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/welcome-introducing-artifacts.html",
)
def unused_artifact(t: Template) -> Iterator[Violation]:
    for lid, actions in pipelines(t):
        consumed = {i for a in actions for i in a.inputs}
        for a in actions:
            if a.category != "Build":
                continue
            for out in a.outputs:
                if out not in consumed:
                    yield lid, f"artifact {out} from {a.stage}/{a.name} is never consumed"
