"""Exercise 14's answer: deployments of the alias checked before the first shift (pre-traffic
hook), during it (alarms), after the last (post-traffic hook) and after the deploy action (smoke
test); each hook reports for this deployment group only."""

from __future__ import annotations

import json

from aws_cdk import Duration
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from solutions.deployment_validation import (
    HEALTH_EVENT,
    PRE_TRAFFIC_HOOK_CODE,
    PreTrafficHook,
    SmokeTest,
    rollback_alarms,
)


class ValidatedDeployment(Construct):
    """A canary of the alias, stopped by alarms or by either hook, and smoke-tested after."""

    def __init__(self, scope: Construct, id: str, *, alias: lambda_.Alias) -> None:
        super().__init__(scope, id)
        self.deployment_group = codedeploy.LambdaDeploymentGroup(
            self,
            "Deployment",
            alias=alias,
            deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
            alarms=rollback_alarms(self, alias),
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
        )
        self.pre_traffic_hook = PreTrafficHook(
            self, "PreTrafficHook", alias=alias, deployment_group=self.deployment_group
        ).function
        # After the last shift, the same check of the deployment's target version, now the one
        # every caller gets: a Failed report fails the deployment, and CodeDeploy rolls it back.
        target = alias.version.lambda_
        self.post_traffic_hook = lambda_.Function(
            self,
            "PostTrafficHook",
            runtime=lambda_.Runtime.NODEJS_24_X,
            handler="index.handler",
            code=lambda_.Code.from_inline(PRE_TRAFFIC_HOOK_CODE),
            timeout=Duration.minutes(1),
            environment={"FUNCTION_NAME": target.function_name, "HEALTH_EVENT": json.dumps(HEALTH_EVENT)},
            log_group=logs.LogGroup(self, "PostTrafficHookLogs", retention=logs.RetentionDays.ONE_MONTH),
        )
        target.grant_invoke(self.post_traffic_hook)
        self.post_traffic_hook.add_to_role_policy(iam.PolicyStatement(
            actions=["codedeploy:GetDeployment"],
            resources=[self.deployment_group.deployment_group_arn],
        ))
        self.post_traffic_hook.add_to_role_policy(iam.PolicyStatement(
            actions=["codedeploy:GetApplicationRevision"],
            resources=[self.deployment_group.application.application_arn],
        ))
        # Registers it (AfterAllowTrafficHook), lets CodeDeploy invoke it, and grants it
        # PutLifecycleEventHookExecutionStatus on this group alone.
        self.deployment_group.add_post_hook(self.post_traffic_hook)
        self.smoke_test = SmokeTest(
            self, "SmokeTest", function=alias.version.lambda_, alias_name=alias.alias_name
        ).project
