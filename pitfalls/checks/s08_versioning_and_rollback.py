"""Scenario 08: releases are versions, traffic moves to them gradually, and a bad one goes back.

None of cdk-nag, cfn-lint or CDK's validation looks at how a function is released. These checks
follow the chain: a published version behind an alias -> CodeDeploy moving the alias step by step
-> alarms and automatic rollback -> a V2 pipeline whose deploy stage rolls back, fed with the
S3 version of the source it deploys.
"""

from __future__ import annotations

from collections.abc import Iterator

from pitfalls.checks import Violation, check
from pitfalls.checks.flow import flows
from pitfalls.checks.s01_incomplete_pipeline_stages import pipelines
from pitfalls.checks.s05_lambda_runtime import application_functions
from pitfalls.templates import Json, Template, as_list, pipeline_actions, ref_target, refs_in

ALIAS = "AWS::Lambda::Alias"
VERSION = "AWS::Lambda::Version"
APPLICATION = "AWS::CodeDeploy::Application"
DEPLOYMENT_GROUP = "AWS::CodeDeploy::DeploymentGroup"
DEPLOYMENT_CONFIG = "AWS::CodeDeploy::DeploymentConfig"
ALL_AT_ONCE = "CodeDeployDefault.LambdaAllAtOnce"


def _aliases_of(t: Template, function: str) -> list[str]:
    return [lid for lid, _ in t.resources(ALIAS) if ref_target(t.props(lid).get("FunctionName")) == function]


def _on_published_version(t: Template, alias: str) -> bool:
    """The alias points at an AWS::Lambda::Version (not at $LATEST or a literal)."""
    version = t.props(alias).get("FunctionVersion")
    return any(t.type_of(r) == VERSION for r in refs_in(version))


@check(
    id="PP08-NO-PUBLISHED-VERSION",
    scenario=8,
    severity="warning",
    requirement="The application function is invoked through an alias that points at a published version.",
    rationale=(
        "Without versions, every deploy overwrites $LATEST in place: callers run whatever was "
        "uploaded last, there is no earlier version to return to, and no way to send part of the "
        "traffic to the new code first."
    ),
    fix="lambda_.Alias(self, 'Live', alias_name='live', version=fn.current_version)",
    source_url="https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html",
)
def no_published_version(t: Template) -> Iterator[Violation]:
    for lid, _ in application_functions(t):
        aliases = _aliases_of(t, lid)
        if not aliases:
            yield lid, "no alias and no published version: every deploy replaces $LATEST in place"
        elif not any(_on_published_version(t, a) for a in aliases):
            for alias in aliases:
                yield alias, f"alias of {lid} points at $LATEST, not at a published version"


def _deployment_group_of(t: Template, alias: str) -> str | None:
    policy = ((t.data.get("Resources") or {}).get(alias) or {}).get("UpdatePolicy") or {}
    update = policy.get("CodeDeployLambdaAliasUpdate")
    if not isinstance(update, dict):
        return None
    group = ref_target(update.get("DeploymentGroupName"))
    return group if t.type_of(group) == DEPLOYMENT_GROUP else "external"


def _all_at_once(t: Template, group: str) -> bool:
    config = t.props(group).get("DeploymentConfigName")
    if config == ALL_AT_ONCE:
        return True
    custom = ref_target(config)
    if t.type_of(custom) == DEPLOYMENT_CONFIG:
        routing = t.props(str(custom)).get("TrafficRoutingConfig") or {}
        return routing.get("Type") == "AllAtOnce"
    return False


@check(
    id="PP08-NO-GRADUAL-DEPLOYMENT",
    scenario=8,
    severity="warning",
    requirement=(
        "A live alias on published versions is moved by CodeDeploy with canary or linear traffic "
        "shifting, not all at once."
    ),
    rationale=(
        "An alias moved in one step sends every request to the new version at once: a bad "
        "release fails for all callers before any alarm can react. Canary or linear shifting "
        "exposes a slice of traffic first and gives the alarms time to stop it."
    ),
    fix=(
        "codedeploy.LambdaDeploymentGroup(self, 'Deployment', alias=alias, "
        "deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES, ...)"
    ),
    source_url="https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html",
)
def no_gradual_deployment(t: Template) -> Iterator[Violation]:
    for fn, _ in application_functions(t):
        for alias in _aliases_of(t, fn):
            if not _on_published_version(t, alias):
                continue  # PP08-NO-PUBLISHED-VERSION says it
            group = _deployment_group_of(t, alias)
            if group is None:
                yield alias, "no CodeDeploy deployment group manages this alias: it moves all at once"
            elif group != "external" and _all_at_once(t, group):
                yield group, f"moves alias {alias} with an all-at-once deployment configuration"


def lambda_deployment_groups(t: Template) -> Iterator[str]:
    """Deployment groups of Lambda applications (ComputePlatform Lambda)."""
    for lid, _ in t.resources(DEPLOYMENT_GROUP):
        app = ref_target(t.props(lid).get("ApplicationName"))
        config = str(t.props(lid).get("DeploymentConfigName", ""))
        if (t.type_of(app) == APPLICATION and t.props(str(app)).get("ComputePlatform") == "Lambda") or (
            config.startswith("CodeDeployDefault.Lambda")
        ):
            yield lid


def _rollback_events(props: dict[str, Json]) -> set[str]:
    auto = props.get("AutoRollbackConfiguration") or {}
    if not isinstance(auto, dict) or auto.get("Enabled") is not True:
        return set()
    return {str(e) for e in as_list(auto.get("Events"))}


@check(
    id="PP08-NO-AUTO-ROLLBACK",
    scenario=8,
    severity="warning",
    requirement="A Lambda deployment group rolls back automatically when a deployment fails.",
    rationale=(
        "Without automatic rollback a failed deployment leaves the alias wherever the traffic "
        "shift stopped, part on the new version, until someone notices and acts."
    ),
    fix="auto_rollback=codedeploy.AutoRollbackConfig(failed_deployment=True, stopped_deployment=True)",
    source_url="https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html",
)
def no_auto_rollback(t: Template) -> Iterator[Violation]:
    for lid in lambda_deployment_groups(t):
        if "DEPLOYMENT_FAILURE" not in _rollback_events(t.props(lid)):
            yield lid, "AutoRollbackConfiguration does not roll back on DEPLOYMENT_FAILURE"


@check(
    id="PP08-NO-ROLLBACK-ALARM",
    scenario=8,
    severity="warning",
    requirement="A Lambda deployment group watches at least one alarm and rolls back when it fires.",
    rationale=(
        "A new version that deploys fine but answers with errors is a successful deployment to "
        "CodeDeploy: only an alarm on the function's errors, wired to stop and roll back the "
        "deployment, turns a bad canary into a rollback instead of 100 % of the traffic."
    ),
    fix=(
        "alarms=[cloudwatch.Alarm(self, 'Errors', metric=alias.metric_errors(), threshold=1, "
        "evaluation_periods=1)], auto_rollback=AutoRollbackConfig(deployment_in_alarm=True)"
    ),
    source_url="https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-create-alarms.html",
)
def no_rollback_alarm(t: Template) -> Iterator[Violation]:
    for lid in lambda_deployment_groups(t):
        props = t.props(lid)
        alarms = props.get("AlarmConfiguration") or {}
        enabled = isinstance(alarms, dict) and alarms.get("Enabled") is True and as_list(alarms.get("Alarms"))
        if not enabled:
            yield lid, "no alarm is watched during deployments (AlarmConfiguration)"
        elif "DEPLOYMENT_STOP_ON_ALARM" not in _rollback_events(props):
            yield lid, "alarms are watched but an alarm does not roll back (DEPLOYMENT_STOP_ON_ALARM)"


@check(
    id="PP08-NO-STAGE-ROLLBACK",
    scenario=8,
    severity="warning",
    requirement="A V2 pipeline rolls its deploy stage back automatically when it fails.",
    rationale=(
        "When the deploy stage fails half way, the pipeline stops with production in whatever "
        "state the failure left it. With OnFailure ROLLBACK (V2 pipelines only) CodePipeline "
        "re-runs the stage with the artifacts of the last execution that succeeded there."
    ),
    fix=(
        "pipeline_type=codepipeline.PipelineType.V2 and, on the deploy stage, "
        "on_failure=codepipeline.FailureConditions(result=codepipeline.Result.ROLLBACK)"
    ),
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-rollback-auto.html",
)
def no_stage_rollback(t: Template) -> Iterator[Violation]:
    for flow in flows(t):
        props = t.props(flow.pipeline)
        if props.get("PipelineType") != "V2":
            yield flow.pipeline, "a V1 pipeline cannot roll a stage back (PipelineType is not V2)"
            continue
        stages = as_list(props.get("Stages"))
        for index in flow.deploy_stages:
            stage = stages[index] if isinstance(stages[index], dict) else {}
            on_failure = stage.get("OnFailure")
            if not isinstance(on_failure, dict) or on_failure.get("Result") != "ROLLBACK":
                deploys = ", ".join(s.action.name for s in flow.deploys if s.action.stage_index == index)
                yield flow.pipeline, (
                    f"stage {stage.get('Name')}, which deploys ({deploys}), does not roll back on "
                    "failure (OnFailure Result ROLLBACK)"
                )


def _s3_sources(props: dict[str, Json]) -> Iterator[tuple[str, str | None]]:
    """(action name, variables namespace) of each S3 source action."""
    for action in pipeline_actions(props):
        if action.category == "Source" and action.provider == "S3":
            yield action.name, action.namespace


@check(
    id="PP08-SOURCE-VERSION-DROPPED",
    scenario=8,
    severity="warning",
    requirement="The S3 object version the source action picked up is passed to a later action.",
    rationale=(
        "The S3 source action records which version of source.zip each execution works on. If no "
        "later action receives #{<namespace>.VersionId}, no Lambda version says which upload it "
        "was built from, and a rollback cannot be traced back to the source that caused it."
    ),
    fix=(
        "S3SourceAction(..., variables_namespace='Source') and, on the deploy action, "
        "environment_variables={'SOURCE_VERSION_ID': BuildEnvironmentVariable("
        "value=source_action.variables.version_id)}"
    ),
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html",
)
def source_version_dropped(t: Template) -> Iterator[Violation]:
    for lid, _ in pipelines(t):
        props = t.props(lid)
        text = str(props.get("Stages"))
        for name, ns in _s3_sources(props):
            if ns is None:
                yield lid, (
                    f"S3 source action {name} has no variables namespace: its VersionId reaches no action"
                )
            elif f"#{{{ns}.VersionId}}" not in text:
                yield lid, f"no action uses #{{{ns}.VersionId}} from S3 source action {name}"
