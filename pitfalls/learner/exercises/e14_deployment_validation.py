"""Exercise 14: CodeDeploy deployments of the live alias, validated before, during and after,
the last check by CodeDeploy itself once all the traffic has moved.

The variant: the same lesson (a deployment proves the new version works, and undoes itself when it
does not) with the ticket's post-traffic hook, registered with the group and allowed to report for
it alone, so the notebook's `ValidatedDeployment` (a pre-traffic hook only) is not the answer.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from pitfalls.checks.grants import role_of, role_statements
from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import as_text, each, owned, reference_alias
from pitfalls.templates import as_list, ref_target, refs_in
from pitfalls.templates.template import Template

REPORT = "codedeploy:PutLifecycleEventHookExecutionStatus"


def harness(stack: Any, cls: type) -> None:
    """The reference pipeline, whose deploy (CloudFormation, updating this stack's alias) goes
    through the learner's group; their smoke test after it."""
    from solutions.codebuild_configuration import (
        NodeProject,
        build_spec_for_build,
        build_spec_for_synth,
    )
    from solutions.deployment_validation import add_smoke_test
    from solutions.incomplete_pipeline_stages import APPLICATION_STACK, DeliveryPipeline
    from solutions.lambda_runtime import ApplicationFunction
    from solutions.s3_source_bucket import SourceBucket
    from solutions.test_integration import UnitTests

    app = ApplicationFunction(stack, "App", stage="dev")
    alias = reference_alias(stack, app.function)
    validation = cls(stack, "Validation", alias=alias)
    group = getattr(validation, "deployment_group", None)
    if group is None:
        raise AttributeError(
            "your ValidatedDeployment must set self.deployment_group to its LambdaDeploymentGroup"
        )
    pipeline = DeliveryPipeline(
        stack,
        "Delivery",
        source_bucket=SourceBucket(stack, "Source").bucket,
        build_project=NodeProject(stack, "Build", build_spec=build_spec_for_build()).project,
        synth_project=NodeProject(stack, "Synth",
                                  build_spec=build_spec_for_synth(APPLICATION_STACK)).project,
        test_project=UnitTests(stack, "Tests").project,
    ).pipeline
    smoke_test = getattr(validation, "smoke_test", None)
    if smoke_test is not None:
        add_smoke_test(pipeline, smoke_test)


def _policy(t: Template) -> dict[str, Any]:
    """The CodeDeployLambdaAliasUpdate policy of the harness's alias."""
    for lid in owned(t, "Alias", "AWS::Lambda::Alias"):
        policy = (t.data["Resources"][lid].get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate")
        if isinstance(policy, dict):
            return policy
    return {}


def post_traffic_hook(t: Template) -> list[tuple[str, str]]:
    functions = owned(t, "Validation", "AWS::Lambda::Function")
    hook = ref_target(_policy(t).get("AfterAllowTrafficHook"))
    if hook in functions:
        return []
    alias = owned(t, "Alias", "AWS::Lambda::Alias")
    if not _policy(t):
        return [(alias[0] if alias else "", "no deployment group of yours shifts the alias "
                 "(UpdatePolicy.CodeDeployLambdaAliasUpdate)")]
    return [(alias[0], "CodeDeploy runs no AfterAllowTrafficHook of yours when it shifts the alias "
             "(UpdatePolicy.CodeDeployLambdaAliasUpdate.AfterAllowTrafficHook)")]


def _hooks(t: Template) -> list[str]:
    """The learner's functions the deployment group runs as its hooks."""
    policy = _policy(t)
    keys = ("BeforeAllowTrafficHook", "AfterAllowTrafficHook")
    ours = owned(t, "Validation", "AWS::Lambda::Function")
    return [h for h in (ref_target(policy.get(k)) for k in keys) if h is not None and h in ours]


@each(_hooks, "hook registered with your deployment group")
def hooks_scoped(t: Template, hook: str) -> str:
    group = ref_target(_policy(t).get("DeploymentGroupName"))
    role = role_of(t, t.props(hook).get("Role"))
    wide = [r for st in (role_statements(t, role) if role else [])
            if st.get("Effect") == "Allow"
            and any(fnmatchcase(REPORT.lower(), str(a).lower()) for a in as_list(st.get("Action")))
            for r in as_list(st.get("Resource")) if group not in refs_in(r)]
    return (f"its role {role} may call {REPORT} on "
            + ", ".join(as_text(r) for r in wide) + " (Resource), not only on your group") if wide else ""


STARTER = """\
class ValidatedDeployment(Construct):
    def __init__(self, scope, id, *, alias):
        super().__init__(scope, id)
        self.deployment_group = codedeploy.LambdaDeploymentGroup(
            self,
            "Deployment",
            alias=alias,
            deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
        )
"""


register(
    Exercise(
        scenario=14,
        class_name="ValidatedDeployment",
        task=(
            "Write ValidatedDeployment(scope, id, *, alias) that sets self.deployment_group (a "
            "LambdaDeploymentGroup with alarms and rollback on alarm), self.pre_traffic_hook and "
            "self.post_traffic_hook (hook functions registered with the group, each reporting "
            "for it alone) and self.smoke_test (a CodeBuild project the pipeline runs after the "
            "deploy action)."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E14-POST-TRAFFIC-HOOK",
                        "once all the traffic is on the new version, a post-traffic hook checks it "
                        "(AfterAllowTraffic)", post_traffic_hook),
            Requirement("E14-HOOK-SCOPE", "each hook may report a status for this deployment group "
                        "only", hooks_scoped),
        ),
        hints=(
            "The alias's UpdatePolicy.CodeDeployLambdaAliasUpdate registers the hooks: "
            "BeforeAllowTrafficHook runs before the first shift, AfterAllowTrafficHook after the "
            "last, and each names a function whose role may call "
            "codedeploy:PutLifecycleEventHookExecutionStatus with the deployment group's ARN as "
            "Resource (a hook that reports Failed fails the deployment, which rolls back). The "
            "AWS::CodeDeploy::DeploymentGroup needs AlarmConfiguration.Alarms and "
            "DEPLOYMENT_STOP_ON_ALARM in AutoRollbackConfiguration.Events; the pipeline's deploy "
            "stage needs a Test action with a higher RunOrder than the deploy action.",
            "self.deployment_group = codedeploy.LambdaDeploymentGroup(self, 'Deployment', "
            "alias=alias, alarms=rollback_alarms(self, alias), deployment_config=..., "
            "auto_rollback=codedeploy.AutoRollbackConfig(failed_deployment=True, "
            "deployment_in_alarm=True)); self.pre_traffic_hook = PreTrafficHook(self, 'Hook', "
            "alias=alias, deployment_group=self.deployment_group).function; a lambda_.Function "
            "for the post-traffic check (PRE_TRAFFIC_HOOK_CODE checks the deployment's target "
            "version, before or after the shift), given what PreTrafficHook grants its own, "
            "then self.deployment_group.add_post_hook(...), which grants the report on the group; "
            "self.smoke_test = SmokeTest(self, 'SmokeTest', function=alias.version.lambda_, "
            "alias_name=alias.alias_name).project (the helpers from solutions.deployment_validation).",
        ),
        docs=(
            "https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html",
            "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_PutLifecycleEventHookExecutionStatus.html",
            "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_codedeploy.LambdaDeploymentGroup.html",
        ),
        solution="solutions.deployment_validation:ValidatedDeployment",
        answer="pitfalls.learner.exercises.answers.e14_deployment_validation:ValidatedDeployment",
        promised=("PP14-NO-PRE-TRAFFIC-HOOK", "PP14-NO-ALARM-ROLLBACK", "E14-POST-TRAFFIC-HOOK",
                  "E14-HOOK-SCOPE"),
    )
)
