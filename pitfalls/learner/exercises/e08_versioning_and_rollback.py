"""Exercise 08: release the function as versions, shift traffic gradually, roll back on alarm."""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, register
from pitfalls.learner.exercises.harness import reference_projects


def harness(stack: Any, cls: type) -> None:
    from solutions.lambda_runtime import ApplicationFunction
    from solutions.s3_source_bucket import SourceBucket
    from solutions.versioning_and_rollback import ReleasePipeline

    app = ApplicationFunction(stack, "App", stage="dev")
    cls(stack, "Release", function=app.function)
    # The reference pipeline (stage rollback, source version passed on) around the learner's part.
    source = SourceBucket(stack, "Source")
    ReleasePipeline(stack, "Delivery", source_bucket=source.bucket, **reference_projects(stack))


STARTER = """\
class GradualRelease(Construct):
    def __init__(self, scope, id, *, function):
        super().__init__(scope, id)
        self.alias = lambda_.Alias(self, "Alias", alias_name="live", version=function.latest_version)
"""


register(
    Exercise(
        scenario=8,
        class_name="GradualRelease",
        task=(
            "Write GradualRelease(scope, id, *, function): a live alias on published versions "
            "that CodeDeploy moves gradually and rolls back on failure or alarm."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            "An AWS::Lambda::Alias whose FunctionVersion is an AWS::Lambda::Version, with "
            "UpdatePolicy CodeDeployLambdaAliasUpdate naming an AWS::CodeDeploy::DeploymentGroup "
            "that uses a canary or linear DeploymentConfigName, AlarmConfiguration with an "
            "alarm, and AutoRollbackConfiguration on DEPLOYMENT_FAILURE and "
            "DEPLOYMENT_STOP_ON_ALARM.",
            "alias = lambda_.Alias(self, 'Alias', alias_name='live', "
            "version=function.current_version); alarm = cloudwatch.Alarm(self, 'Errors', "
            "metric=alias.metric_errors(), threshold=1, evaluation_periods=1); "
            "codedeploy.LambdaDeploymentGroup(self, 'Deployment', alias=alias, "
            "deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES, "
            "alarms=[alarm], auto_rollback=codedeploy.AutoRollbackConfig(failed_deployment=True, "
            "stopped_deployment=True, deployment_in_alarm=True))",
        ),
        solution="solutions.versioning_and_rollback:GradualRelease",
    )
)
