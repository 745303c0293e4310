"""Scenario 14: a deploy that proves the new version works, and undoes itself when it does not.

Three checks, at three moments of a CodeDeploy traffic shift of the function's alias:
- before any traffic: a pre-traffic hook invokes the new version and reports Succeeded or Failed
  to CodeDeploy (`PutLifecycleEventHookExecutionStatus`); Failed stops the deployment;
- while traffic shifts: CloudWatch alarms on the new version's invocations through the alias;
  one in ALARM stops the deployment and CodeDeploy rolls the alias back to the old version;
- after the deploy action: a smoke test through the alias, as a caller sees it, in the deploy
  stage, so that a failure fails the pipeline.

All of it runs because CloudFormation hands each change of the alias's version to CodeDeploy (the
alias's `CodeDeployLambdaAliasUpdate` policy, where the hook is registered, once): the pipeline's
Deploy stage updates the application stack, and CloudFormation's update waits for CodeDeploy.
`aws lambda update-alias` would move the alias itself and skip the hook, the canary and the
alarms, and leave the stack describing something else.
"""

from __future__ import annotations

import json

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from solutions.codebuild_configuration import NodeProject, buildspec
from solutions.versioning_and_rollback import new_version_metric

HEALTH_EVENT = {"rawPath": "/health"}

# The hook, Node.js 24 with the AWS SDK v3 the runtime ships. CodeDeploy passes only the ids of the
# deployment and of this hook run; the version to test is in the deployment's AppSpec, which
# GetDeployment does not return (its content is always null) but GetApplicationRevision does.
# Whatever goes wrong, the hook reports Failed: a hook that cannot test must not let traffic in.
PRE_TRAFFIC_HOOK_CODE = """\
const {
  CodeDeployClient, GetDeploymentCommand, GetApplicationRevisionCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} = require("@aws-sdk/client-codedeploy");
const { LambdaClient, InvokeCommand } = require("@aws-sdk/client-lambda");

const codedeploy = new CodeDeployClient({});
const lambda = new LambdaClient({});

async function targetVersion(deploymentId) {
  const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
  const { revision } = await codedeploy.send(new GetApplicationRevisionCommand({
    applicationName: deploymentInfo.applicationName, revision: deploymentInfo.revision,
  }));
  const appspec = revision.appSpecContent?.content ?? revision.string?.content ?? "";
  const found = /TargetVersion["']?\\s*:\\s*["']?([^"'\\s,}]+)/.exec(appspec);
  if (!found) throw new Error("no TargetVersion in the deployment's AppSpec");
  return found[1].split(":").pop(); // a version number, or the last part of a version ARN
}

exports.handler = async (event) => {
  let status = "Failed";
  try {
    const version = await targetVersion(event.DeploymentId);
    const res = await lambda.send(new InvokeCommand({
      FunctionName: process.env.FUNCTION_NAME, Qualifier: version,
      Payload: Buffer.from(process.env.HEALTH_EVENT),
    }));
    const payload = JSON.parse(Buffer.from(res.Payload ?? []).toString() || "{}");
    const body = JSON.parse(payload.body ?? "{}");
    const ok = !res.FunctionError && payload.statusCode === 200 && body.ok === true;
    status = ok ? "Succeeded" : "Failed";
    console.log(JSON.stringify({ version, status, code: payload.statusCode, error: res.FunctionError }));
  } catch (err) {
    console.error("pre-traffic check could not run", err);
  }
  await codedeploy.send(new PutLifecycleEventHookExecutionStatusCommand({
    deploymentId: event.DeploymentId,
    lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
    status,
  }));
  return status;
};
"""


class PreTrafficHook(Construct):
    """A hook that invokes the new version before it gets traffic and tells CodeDeploy the result."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        alias: lambda_.Alias,
        deployment_group: codedeploy.LambdaDeploymentGroup,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        encryption_key: kms.IKey | None = None,
        function_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        target = alias.version.lambda_
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            runtime=lambda_.Runtime.NODEJS_24_X,
            handler="index.handler",
            code=lambda_.Code.from_inline(PRE_TRAFFIC_HOOK_CODE),
            timeout=Duration.minutes(1),
            environment={
                "FUNCTION_NAME": target.function_name,
                "HEALTH_EVENT": json.dumps(HEALTH_EVENT),
            },
            log_group=logs.LogGroup(
                self, "Logs", retention=log_retention, encryption_key=encryption_key
            ),
        )
        # Any version: the one to test gets its number only when the pipeline publishes it.
        target.grant_invoke(self.function)
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["codedeploy:GetDeployment"],
                resources=[deployment_group.deployment_group_arn],
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["codedeploy:GetApplicationRevision"],
                resources=[deployment_group.application.application_arn],
            )
        )
        # Registers the hook (alias UpdatePolicy) and lets CodeDeploy invoke it; CDK also grants
        # the hook codedeploy:PutLifecycleEventHookExecutionStatus on the deployment group.
        deployment_group.add_pre_hook(self.function)


SLOW_ANSWER = Duration.seconds(3)


def rollback_alarms(
    scope: Construct, alias: lambda_.Alias, *, slow: Duration = SLOW_ANSWER, errors: bool = True
) -> list[cloudwatch.Alarm]:
    """Alarms CodeDeploy watches during a shift, on the new version's invocations through the
    alias: any error (unless `errors` is False: the group already watches them), or slow answers.

    One-minute periods and one evaluation period, so an alarm can fire within the first canary
    interval; missing data (no traffic yet) is not a breach.
    """
    alarms = []
    if errors:
        alarms.append(
            cloudwatch.Alarm(
                scope,
                "AliasErrors",
                alarm_description="The new version returned errors during or after a deployment.",
                metric=new_version_metric(alias, "Errors"),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )
    alarms.append(
        cloudwatch.Alarm(
            scope,
            "AliasLatency",
            alarm_description="The new version answered slowly (p99) during or after a deployment.",
            metric=new_version_metric(alias, "Duration", statistic="p99"),
            threshold=slow.to_milliseconds(),
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
    )
    for alarm in alarms:  # watching the new version before CodeDeploy sends it traffic
        alias.node.add_dependency(alarm)
    return alarms


# Invoke the alias as a caller would, then judge the answer: `aws lambda invoke` exits 0 even when
# the function throws (the error is in the response file), so the check reads the response.
SMOKE_TEST_CHECK = (
    "node -e 'const r = JSON.parse(require(\"fs\").readFileSync(\"response.json\", \"utf8\")); "
    "const ok = r.statusCode === 200 && JSON.parse(r.body ?? \"{}\").ok === true; "
    "console.log(ok ? \"smoke test passed\" : \"smoke test FAILED: \" + JSON.stringify(r)); "
    "process.exit(ok ? 0 : 1)'"
)


def build_spec_for_smoke_test() -> codebuild.BuildSpec:
    """Invoke the live alias with the health event; fail unless it answers 200 and ok."""
    return buildspec(
        {
            "install": ["aws --version"],
            "build": [
                # A payload file read as bytes (fileb://): AWS CLI v1 and v2 read it alike, where
                # an inline payload needs v2's --cli-binary-format.
                f"echo '{json.dumps(HEALTH_EVENT)}' > event.json",
                'aws lambda invoke --function-name "$FUNCTION_NAME" --qualifier "$ALIAS_NAME" '
                "--payload fileb://event.json response.json",
                SMOKE_TEST_CHECK,
            ],
        }
    )


class SmokeTest(Construct):
    """A CodeBuild project that calls the function's alias once and fails on a bad answer.

    Given the function and the alias's name, not the alias itself: the pipeline's stack tests a
    function that another stack (the application's) owns.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: lambda_.IFunction,
        alias_name: str,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.project = NodeProject(
            self,
            "Project",
            build_spec=build_spec_for_smoke_test(),
            encryption_key=encryption_key,
            environment_variables={
                "FUNCTION_NAME": codebuild.BuildEnvironmentVariable(value=function.function_name),
                "ALIAS_NAME": codebuild.BuildEnvironmentVariable(value=alias_name),
            },
        ).project
        self.project.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[f"{function.function_arn}:{alias_name}"],
            )
        )


def add_smoke_test(
    pipeline: codepipeline.Pipeline, project: codebuild.IProject, *, stage_name: str = "Deploy"
) -> None:
    """Run `project` as a Test action after the deploy action, in the same stage.

    In the deploy stage rather than a stage of its own: a failed smoke test then fails the
    deploy stage, which is what a stage's on-failure rollback (scenario 08) rolls back.
    """
    stage = pipeline.stage(stage_name)
    deploy = stage.actions[0].action_properties
    stage.add_action(
        actions.CodeBuildAction(
            action_name="SmokeTest",
            type=actions.CodeBuildActionType.TEST,
            project=project,
            input=deploy.inputs[0] if deploy.inputs else codepipeline.Artifact("Package"),
            run_order=max(a.action_properties.run_order or 1 for a in stage.actions) + 1,
        )
    )


class ValidatedDeployment(Construct):
    """Traffic-shifted deployments of an alias, checked before, during and after the shift.

    Creates its own deployment group (canary 10% for 5 minutes) unless given one; a group given
    (scenario 08's) already watches the new version's errors. `smoke_test=False` leaves the smoke
    test to the pipeline's stack, when the alias lives in a stack of its own; `hook_name` names
    the hook's function (so that stack can alarm on it).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        alias: lambda_.Alias,
        deployment_group: codedeploy.LambdaDeploymentGroup | None = None,
        encryption_key: kms.IKey | None = None,
        smoke_test: bool = True,
        hook_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.alarms = rollback_alarms(self, alias, errors=deployment_group is None)
        self.deployment_group = deployment_group or codedeploy.LambdaDeploymentGroup(
            self,
            "Deployment",
            alias=alias,
            deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
        )
        for alarm in self.alarms:
            self.deployment_group.add_alarm(alarm)  # an alarm in ALARM stops and rolls back
        self.pre_traffic_hook = PreTrafficHook(
            self,
            "PreTrafficHook",
            alias=alias,
            deployment_group=self.deployment_group,
            encryption_key=encryption_key,
            function_name=hook_name,
        ).function
        self.smoke_test = (
            SmokeTest(
                self,
                "SmokeTest",
                function=alias.version.lambda_,
                alias_name=alias.alias_name,
                encryption_key=encryption_key,
            ).project
            if smoke_test
            else None
        )
