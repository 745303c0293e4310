"""What each action of a pipeline does, decided from what it runs, never from where it sits.

A stage named Deploy, a last stage, a Test category: none of them says what an action does. A
pipeline may deploy from a CodeBuild project that runs `aws lambda update-function-code`, from
a CloudFormation action, or from a Lambda function it invokes, and validate in a stage after
that; its Test action may run a security scanner and no test at all. So an action:

- deploys when it is a Deploy-category action (CloudFormation, CodeDeploy, S3, ECS...), when
  the commands of its CodeBuild project deploy (`cdk deploy`, `aws cloudformation deploy`,
  `aws lambda update-function-code`...), or, when its commands cannot be read, when the role of
  its project or of the Lambda function it invokes may deploy (lambda:UpdateFunctionCode,
  codedeploy:CreateDeployment, cloudformation:ExecuteChangeSet...). A CodeBuild action that
  deploys the pipeline's own stack (CDK Pipelines' SelfMutate) updates the pipeline: it is not
  the release;
- tests when its commands run a test runner (`npm test`, `node --test`, `pytest`...);
- scans when its commands run a security scanner (`npm audit`, `cfn-lint`, `checkov`...), or it
  is an Amazon Inspector scan action.

Commands come from the inline buildspec of the CodeBuild project an action runs; a buildspec kept
in the source is out of sight, and checks that depend on it say nothing rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pitfalls.checks.grants import allows, role_of
from pitfalls.templates import PIPELINE, PipelineAction, Template, pipeline_actions, ref_target

PROJECT = "AWS::CodeBuild::Project"
FUNCTION = "AWS::Lambda::Function"

# Commands that run a test suite. A heuristic by necessity: a wrapper script is invisible.
TEST_COMMAND = re.compile(
    r"\b(?:npm|yarn|pnpm)\s+(?:run(?:-script)?\s+)?(?:test|t)(?::[\w:-]+)?(?=\s|$|[;&|)])"
    r"|\bnode\b[^;&|]*\s--test\b"
    r"|\b(?:jest|mocha|vitest|ava|c8|nyc)\b"
    r"|\b(?:pytest|tox|nox)\b|\bpython3?\s+-m\s+(?:pytest|unittest)\b"
    r"|\b(?:go|cargo|dotnet)\s+test\b|\bmake\s+(?:test|check)\b"
    r"|\bmvn\b[^;&|]*\b(?:test|verify)\b|\bgradlew?\b[^;&|]*\b(?:test|check)\b"
)
# Commands that run a security scanner over dependencies, infrastructure code or secrets.
SCAN_COMMAND = re.compile(
    r"\b(?:npm|yarn|pnpm)\b[^;&|\n]*\baudit\b|\bcfn-lint\b|\bcfn_nag|\bcdk-nag\b|\bnag=true\b"
    r"|\bpitfalls\s+check\b|\bcheckov\b|\btrivy\b|\bsemgrep\b|\bsnyk\b|\bgrype\b|\bosv-scanner\b"
    r"|\bgitleaks\b|\btrufflehog\b|\bpip-audit\b|\bbandit\b"
)
# Commands that change what runs in an account.
DEPLOY_COMMAND = re.compile(
    r"\bcdk\b[^;&|\n]*\sdeploy\b"
    r"|\baws\s+cloudformation\s+(?:deploy|create-stack|update-stack|execute-change-set)\b"
    r"|\bsam\s+deploy\b|\b(?:serverless|sls)\s+deploy\b"
    r"|\baws\s+lambda\s+(?:update-function-code|update-alias)\b"
    r"|\baws\s+deploy\s+create-deployment\b|\baws\s+ecs\s+update-service\b"
    r"|\bterraform\s+apply\b|\bkubectl\s+apply\b|\bhelm\s+(?:upgrade|install)\b"
)
# Commands that call what was deployed: a smoke test, a health check.
CALL_COMMAND = re.compile(
    r"\baws\s+lambda\s+invoke\b|\bcurl\b|\bwget\b|\bhttp(?:ie)?\s|\baws\s+apigateway\s+test-invoke"
)
# What a role must be allowed to do to deploy, when its commands are out of sight.
DEPLOY_PERMISSIONS = (
    "lambda:UpdateFunctionCode",
    "lambda:UpdateAlias",
    "codedeploy:CreateDeployment",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:UpdateStack",
    "ecs:UpdateService",
)
SCAN_PROVIDERS = {"InspectorScan"}


@dataclass(frozen=True)
class Step:
    """One pipeline action and what it does."""

    action: PipelineAction
    commands: tuple[str, ...] | None  # the shell commands it runs; None when out of sight
    deploys: bool  # releases something (not the pipeline's own update)
    updates_pipeline: bool
    tests: bool | None  # runs a test runner; None when its commands are out of sight
    scans: bool | None
    validates: bool  # calls or tests what is deployed (a smoke test, a validation function)

    @property
    def where(self) -> str:
        return f"{self.action.stage}/{self.action.name}"

    @property
    def project(self) -> str | None:
        return self.action.project


@dataclass
class Flow:
    """The steps of one pipeline, and where its release starts."""

    pipeline: str
    steps: list[Step]
    stage_count: int
    deploy_stages: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.deploy_stages = sorted({s.action.stage_index for s in self.steps if s.deploys})

    @property
    def deploys(self) -> list[Step]:
        return [s for s in self.steps if s.deploys]

    def before_deploy(self, step: Step) -> bool:
        """Whether a step runs, and must succeed, before the first deploy action starts.

        With no deploy action in sight, every step counts as before it: the checks then ask only
        whether the pipeline does the thing at all.
        """
        if not self.deploy_stages:
            return True
        first = self.deploy_stages[0]
        if step.action.stage_index != first:
            return step.action.stage_index < first
        deploy_order = min(s.action.run_order for s in self.deploys if s.action.stage_index == first)
        return step.action.run_order < deploy_order

    def after_last_deploy(self, step: Step) -> bool:
        """Whether a step runs after every deploy action has finished."""
        if not self.deploy_stages:
            return False
        last = self.deploy_stages[-1]
        if step.action.stage_index != last:
            return step.action.stage_index > last
        deploy_order = max(s.action.run_order for s in self.deploys if s.action.stage_index == last)
        return step.action.run_order > deploy_order

    def early(self) -> list[Step]:
        return [s for s in self.steps if self.before_deploy(s)]


def _commands(t: Template, action: PipelineAction) -> tuple[str, ...] | None:
    if action.provider != "CodeBuild" or t.type_of(action.project) != PROJECT:
        return None
    spec = t.buildspec(str(action.project))
    return None if spec is None else tuple(spec.every_command())


def _role_deploys(t: Template, role_value: object) -> bool:
    role = role_of(t, role_value)
    return role is not None and any(allows(t, role, a) for a in DEPLOY_PERMISSIONS)


def _invoked_function(t: Template, action: PipelineAction) -> str | None:
    fn = ref_target(action.configuration.get("FunctionName"))
    return fn if t.type_of(fn) == FUNCTION else None


def _updates_own_stack(t: Template, commands: tuple[str, ...]) -> bool:
    """`cdk deploy <this stack>`: the pipeline deploying itself (CDK Pipelines' self-mutation)."""
    if not t.name:
        return False
    own = re.compile(r"\bcdk\b[^;&|\n]*\sdeploy\b[^;&|\n]*[\s\"'/]" + re.escape(t.name) + r"(?=[\s\"']|$)")
    return any(own.search(c) for c in commands)


def step_of(t: Template, action: PipelineAction) -> Step:
    """What one action does."""
    commands = _commands(t, action)
    if commands is not None:
        deploy_cmds = [c for c in commands if DEPLOY_COMMAND.search(c)]
        updates_pipeline = bool(deploy_cmds) and _updates_own_stack(t, tuple(deploy_cmds))
        deploys = bool(deploy_cmds) and not updates_pipeline
        tests: bool | None = any(TEST_COMMAND.search(c) for c in commands)
        scans: bool | None = any(SCAN_COMMAND.search(c) for c in commands)
        calls = any(CALL_COMMAND.search(c) for c in commands)
    else:
        updates_pipeline = False
        if action.category == "Deploy":
            deploys = True
        elif action.provider == "CodeBuild" and t.type_of(action.project) == PROJECT:
            deploys = _role_deploys(t, t.props(str(action.project)).get("ServiceRole"))
        elif action.provider == "Lambda" and (fn := _invoked_function(t, action)):
            deploys = _role_deploys(t, t.props(fn).get("Role"))
        else:
            deploys = False
        # A project whose buildspec is in the source, or a third-party test provider, may test
        # or scan: say nothing. Source, approval and deploy actions do neither.
        unseen = action.provider == "CodeBuild" or action.category == "Test"
        tests = None if unseen else False
        scans = True if action.provider in SCAN_PROVIDERS else None if unseen else False
        calls = action.category in ("Test", "Invoke")
    validates = not deploys and not updates_pipeline and bool(
        calls or tests or (action.category == "Test" and not scans)
    )
    return Step(action, commands, deploys, updates_pipeline, tests, scans, validates)


def flows(t: Template) -> Iterator[Flow]:
    """The flow of every pipeline with at least two stages (CloudFormation rejects fewer)."""
    for lid, _ in t.resources(PIPELINE):
        actions = pipeline_actions(t.props(lid))
        stage_count = max((a.stage_index for a in actions), default=-1) + 1
        if stage_count >= 2:
            yield Flow(lid, [step_of(t, a) for a in actions], stage_count)
