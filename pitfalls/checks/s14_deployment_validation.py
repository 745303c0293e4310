"""Scenario 14: a deployment through CodeDeploy that checks the new version and can undo itself.

cdk-nag's AwsSolutions pack and cfn-lint have no rule about CodeDeploy hooks, alarms or a
pipeline's post-deploy tests. These checks apply to templates that deploy a Lambda alias through
CodeDeploy (a deployment group of a Lambda application, or an alias with a
`CodeDeployLambdaAliasUpdate` update policy); a stack that deploys without CodeDeploy is scenario
08's concern.
"""

from __future__ import annotations

from collections.abc import Iterator

from pitfalls.checks import Violation, check
from pitfalls.checks.flow import flows
from pitfalls.checks.grants import allows, role_of
from pitfalls.templates import Json, PipelineAction, Template, as_list, pipeline_actions, ref_target

ALIAS = "AWS::Lambda::Alias"
GROUP = "AWS::CodeDeploy::DeploymentGroup"
APPLICATION = "AWS::CodeDeploy::Application"
FUNCTION = "AWS::Lambda::Function"
HOOK_KEYS = ("BeforeAllowTrafficHook", "AfterAllowTrafficHook")


def alias_update_policies(t: Template) -> Iterator[tuple[str, dict[str, Json]]]:
    """(alias, its CodeDeployLambdaAliasUpdate policy) for aliases CodeDeploy shifts."""
    for lid, body in t.resources(ALIAS):
        policy = (body.get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate")
        if isinstance(policy, dict):
            yield lid, policy


def lambda_deployment_groups(t: Template) -> list[str]:
    """Deployment groups of a Lambda application, or named by an alias's update policy."""
    named = {ref_target(p.get("DeploymentGroupName")) for _, p in alias_update_policies(t)}
    out = []
    for lid, _ in t.resources(GROUP):
        app = ref_target(t.props(lid).get("ApplicationName"))
        platform = t.props(str(app)).get("ComputePlatform") if t.type_of(app) == APPLICATION else None
        if platform == "Lambda" or lid in named:
            out.append(lid)
    return out


def deploys_with_codedeploy(t: Template) -> bool:
    return bool(lambda_deployment_groups(t)) or any(True for _ in alias_update_policies(t))


@check(
    id="PP14-NO-PRE-TRAFFIC-HOOK",
    scenario=14,
    severity="warning",
    requirement="CodeDeploy runs a pre-traffic hook that tests the new version before it gets traffic.",
    rationale=(
        "Without a BeforeAllowTraffic hook the first request the new version ever serves comes "
        "from a caller: a version that cannot even start takes its canary share of real traffic "
        "until an alarm notices."
    ),
    fix=(
        "LambdaDeploymentGroup(..., pre_hook=hook) or deployment_group.add_pre_hook(hook), with "
        "a hook function that invokes the new version and reports the result."
    ),
    source_url="https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html",
)
def no_pre_traffic_hook(t: Template) -> Iterator[Violation]:
    for alias, policy in alias_update_policies(t):
        if not policy.get("BeforeAllowTrafficHook"):
            yield alias, "CodeDeploy shifts this alias with no BeforeAllowTrafficHook"


@check(
    id="PP14-HOOK-CANNOT-REPORT",
    scenario=14,
    severity="error",
    requirement="A CodeDeploy hook function may call codedeploy:PutLifecycleEventHookExecutionStatus.",
    rationale=(
        "CodeDeploy waits for the hook to report Succeeded or Failed. A hook whose role cannot "
        "report leaves the lifecycle event open until it times out, and the deployment fails "
        "whatever the test found."
    ),
    fix=(
        "Use deployment_group.add_pre_hook(fn) (CDK grants it), or "
        "deployment_group.grant_put_lifecycle_event_hook_execution_status(fn)."
    ),
    source_url="https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_PutLifecycleEventHookExecutionStatus.html",
)
def hook_cannot_report(t: Template) -> Iterator[Violation]:
    seen: set[str] = set()
    for _, policy in alias_update_policies(t):
        for key in HOOK_KEYS:
            hook = ref_target(policy.get(key))
            if t.type_of(hook) != FUNCTION or hook in seen:
                continue
            seen.add(str(hook))
            role = role_of(t, t.props(str(hook)).get("Role"))
            if role is not None and not allows(
                t, role, "codedeploy:PutLifecycleEventHookExecutionStatus"
            ):
                yield str(hook), (
                    f"the {key[:-4]} hook's role {role} may not call "
                    "codedeploy:PutLifecycleEventHookExecutionStatus"
                )


@check(
    id="PP14-NO-ALARM-ROLLBACK",
    scenario=14,
    severity="warning",
    requirement="A Lambda deployment group watches alarms and rolls back when one goes off.",
    rationale=(
        "CodeDeploy stops a traffic shift only for alarms listed in the deployment group, and "
        "rolls the alias back only when DEPLOYMENT_STOP_ON_ALARM is among its rollback events: "
        "without both, a version that fails for real callers still gets all the traffic."
    ),
    fix=(
        "LambdaDeploymentGroup(..., alarms=[cloudwatch.Alarm(..., metric=alias.metric_errors())], "
        "auto_rollback=AutoRollbackConfig(deployment_in_alarm=True, failed_deployment=True))"
    ),
    source_url="https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-create-alarms.html",
)
def no_alarm_rollback(t: Template) -> Iterator[Violation]:
    for group in lambda_deployment_groups(t):
        props = t.props(group)
        alarms = props.get("AlarmConfiguration") or {}
        rollback = props.get("AutoRollbackConfiguration") or {}
        if not as_list(alarms.get("Alarms")) or alarms.get("Enabled") is False:
            yield group, "no CloudWatch alarm in its AlarmConfiguration: nothing can stop a bad shift"
        elif rollback.get("Enabled") is not True or "DEPLOYMENT_STOP_ON_ALARM" not in as_list(
            rollback.get("Events")
        ):
            yield group, "alarms are watched, but DEPLOYMENT_STOP_ON_ALARM is not a rollback event"


def last_stage_actions(props: dict[str, Json]) -> list[PipelineAction]:
    """The actions of a pipeline's last stage (its deploy stage, or a validation stage after it)."""
    actions = pipeline_actions(props)
    return [a for a in actions if a.stage_index == actions[-1].stage_index] if actions else []


@check(
    id="PP14-NO-SMOKE-TEST",
    scenario=14,
    severity="warning",
    requirement="After the deploy action, an action calls the deployed function and can fail the pipeline.",
    rationale=(
        "CodeDeploy's success means the traffic shifted without tripping an alarm, not that the "
        "function answers correctly through its alias, with its real configuration and "
        "permissions. A smoke test after the deploy is the pipeline's own proof; without it a "
        "broken release shows up as a green pipeline."
    ),
    fix=(
        "Add a CodeBuildAction(type=CodeBuildActionType.TEST, run_order=2) that invokes the "
        "alias to the deploy stage: pipeline.stage('Deploy').add_action(...)."
    ),
    source_url="https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-LambdaInvoke.html",
)
def no_smoke_test(t: Template) -> Iterator[Violation]:
    if not deploys_with_codedeploy(t):
        return
    for flow in flows(t):
        if flow.deploys and not any(s.validates and flow.after_last_deploy(s) for s in flow.steps):
            names = ", ".join(s.where for s in flow.deploys)
            yield flow.pipeline, f"no action tests or calls the release after the deploy action {names}"
