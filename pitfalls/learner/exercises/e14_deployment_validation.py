"""Exercise 14: CodeDeploy deployments of the live alias, validated before, during and after."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register
from pitfalls.learner.exercises.harness import reference_alias


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
            "LambdaDeploymentGroup with alarms and rollback on alarm), self.pre_traffic_hook (the "
            "hook function, registered with the group) and self.smoke_test (a CodeBuild project "
            "the pipeline runs after the deploy action)."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "The alias's UpdatePolicy.CodeDeployLambdaAliasUpdate needs a BeforeAllowTrafficHook "
            "whose role may call codedeploy:PutLifecycleEventHookExecutionStatus; the "
            "AWS::CodeDeploy::DeploymentGroup needs AlarmConfiguration.Alarms and "
            "DEPLOYMENT_STOP_ON_ALARM in AutoRollbackConfiguration.Events; the pipeline's deploy "
            "stage needs a Test action with a higher RunOrder than the deploy action.",
            "alarms = rollback_alarms(self, alias); self.deployment_group = "
            "codedeploy.LambdaDeploymentGroup(self, 'Deployment', alias=alias, alarms=alarms, "
            "deployment_config=..., auto_rollback=codedeploy.AutoRollbackConfig("
            "deployment_in_alarm=True)); self.pre_traffic_hook = PreTrafficHook(self, 'Hook', "
            "alias=alias, deployment_group=self.deployment_group).function; self.smoke_test = "
            "SmokeTest(self, 'SmokeTest', function=alias.version.lambda_, "
            "alias_name=alias.alias_name).project (all from "
            "solutions.deployment_validation).",
        ),
        solution="solutions.deployment_validation:ValidatedDeployment",
    )
)
