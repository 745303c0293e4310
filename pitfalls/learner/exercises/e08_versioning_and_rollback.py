"""Exercise 08: the payments team's release of the function: linear, through their own alias.

The variant: the same lesson (published versions behind an alias, moved by CodeDeploy, rolled back
on failure and on alarm) with the traffic shift and the alias name the ticket sets, so the
notebook's `GradualRelease` (a canary, through `live`) is not the answer.
"""

from __future__ import annotations

from typing import Any

from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import as_text, each, owned, reference_projects
from pitfalls.templates.template import Template

ALIAS_NAME = "stable"  # the ticket: the payments callers invoke this alias
LINEAR_CONFIG = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"  # 10 % more every minute


def harness(stack: Any, cls: type) -> None:
    from solutions.lambda_runtime import ApplicationFunction
    from solutions.s3_source_bucket import SourceBucket
    from solutions.versioning_and_rollback import ReleasePipeline

    app = ApplicationFunction(stack, "App", stage="dev")
    cls(stack, "Release", function=app.function)
    # The reference pipeline (stage rollback, source version passed on) around the learner's part.
    source = SourceBucket(stack, "Source")
    ReleasePipeline(stack, "Delivery", source_bucket=source.bucket, **reference_projects(stack))


@each(lambda t: owned(t, "Release", "AWS::Lambda::Alias"), "alias (AWS::Lambda::Alias)",
      one_will_do=True)
def alias_name(t: Template, lid: str) -> str:
    name = t.props(lid).get("Name")
    return f"its alias is named {as_text(name)} (Name)" if name != ALIAS_NAME else ""


@each(lambda t: owned(t, "Release", "AWS::CodeDeploy::DeploymentGroup"),
      "CodeDeploy deployment group (AWS::CodeDeploy::DeploymentGroup)")
def linear_config(t: Template, lid: str) -> str:
    config = t.props(lid).get("DeploymentConfigName")
    if config == LINEAR_CONFIG:
        return ""
    return (f"its deployment group shifts traffic by {config} (DeploymentConfigName)"
            if isinstance(config, str) else
            "its deployment group names no predefined configuration (DeploymentConfigName)")


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
            f"Write GradualRelease(scope, id, *, function): an alias named {ALIAS_NAME} on "
            "published versions that CodeDeploy moves 10 percent every minute and rolls back on "
            "failure or alarm."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E08-ALIAS-NAME", f"callers invoke the alias {ALIAS_NAME}", alias_name),
            Requirement("E08-LINEAR-CONFIG",
                        f"shift traffic linearly, 10 percent every minute ({LINEAR_CONFIG})",
                        linear_config),
        ),
        hints=(
            "Read each finding's resource. The AWS::Lambda::Alias needs a FunctionVersion that is "
            "an AWS::Lambda::Version (not $LATEST), a Name, and an UpdatePolicy "
            "CodeDeployLambdaAliasUpdate naming an AWS::CodeDeploy::DeploymentGroup; that group's "
            "DeploymentConfigName is one of CodeDeploy's predefined Lambda configurations "
            "(canary, linear or all at once), its AlarmConfiguration lists an alarm on the "
            "alias's errors, and its AutoRollbackConfiguration rolls back on DEPLOYMENT_FAILURE "
            "and DEPLOYMENT_STOP_ON_ALARM.",
            "lambda_.Alias(self, 'Alias', alias_name=..., version=function.current_version); "
            "cloudwatch.Alarm(self, 'Errors', metric=alias.metric_errors(), threshold=1, "
            "evaluation_periods=1); codedeploy.LambdaDeploymentGroup(self, 'Deployment', "
            "alias=..., deployment_config=codedeploy.LambdaDeploymentConfig.<the linear one>, "
            "alarms=[...], auto_rollback=codedeploy.AutoRollbackConfig(failed_deployment=True, "
            "stopped_deployment=True, deployment_in_alarm=True)).",
        ),
        docs=(
            "https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html",
            "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_codedeploy.LambdaDeploymentConfig.html",
        ),
        solution="solutions.versioning_and_rollback:GradualRelease",
        answer="pitfalls.learner.exercises.answers.e08_versioning_and_rollback:GradualRelease",
        promised=("PP08-NO-PUBLISHED-VERSION", "E08-ALIAS-NAME", "E08-LINEAR-CONFIG"),
    )
)
