"""Scenario 03: nothing in the code names an account, a region or an environment.

One configuration object is read once, where the app starts: the stage from CDK context
(`cdk synth -c stage=prod`, default in cdk.json), the account and region from the variables the
CDK CLI sets (CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION; CDK_DEPLOY_* override them for a deploy to
another environment). A missing or malformed value stops the synth with one line saying which
value and how to set it. Constructs take the object; names come from it or are left to
CloudFormation, and ARNs are built from the stack (`Stack.of(self).format_arn`), so the same code
synthesizes dev and prod side by side without a clash.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from solutions.lambda_runtime import RUNTIME

STAGES = ("dev", "test", "prod")
APP_NAME = "pipeline-pitfalls"
REGION = re.compile(
    r"(?:af|ap|ca|cn|eu|eusc|il|me|mx|sa|us|us-gov|us-iso|us-isob)-"
    r"(?:central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2}"
)
ACCOUNT = re.compile(r"\d{12}")


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message says which and how to set it."""


@dataclass(frozen=True)
class DeploymentConfig:
    """Where and as what the app deploys: a stage, and an account and region when known."""

    stage: str
    account: str | None = None
    region: str | None = None
    app_name: str = APP_NAME

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ConfigError(
                f"stage {self.stage!r} is not one of {', '.join(STAGES)}: "
                f"pass -c stage={STAGES[0]} (or set it in cdk.json)"
            )
        if self.account is not None and not ACCOUNT.fullmatch(self.account):
            raise ConfigError(f"account {self.account!r} is not a 12-digit AWS account id")
        if self.region is not None and not REGION.fullmatch(self.region):
            raise ConfigError(f"region {self.region!r} is not an AWS region code such as eu-west-1")

    @classmethod
    def from_context(
        cls, scope: Construct, environ: Mapping[str, str] | None = None
    ) -> DeploymentConfig:
        """Read the stage from CDK context and the account and region from the environment."""
        env = os.environ if environ is None else environ
        stage = scope.node.try_get_context("stage")
        if not stage:
            raise ConfigError(
                f"no stage: pass -c stage=<{'|'.join(STAGES)}> or set \"stage\" in cdk.json"
            )

        def pick(what: str) -> str | None:
            for var in (f"CDK_DEPLOY_{what}", f"CDK_DEFAULT_{what}"):
                if env.get(var):
                    return env[var]
            return None

        return cls(stage=str(stage), account=pick("ACCOUNT"), region=pick("REGION"))

    @property
    def env(self) -> Environment | None:
        """The stack environment: None (environment-agnostic) when neither value is known."""
        if self.account is None and self.region is None:
            return None
        return Environment(account=self.account, region=self.region)

    @property
    def stack_name(self) -> str:
        """The pipeline's stack: a person deploys it, once, with `cdk deploy`."""
        return f"PipelinePitfalls-{self.stage}"

    @property
    def app_stack_name(self) -> str:
        """The application's stack: only the pipeline deploys it, through CloudFormation."""
        return f"{self.stack_name}-App"

    def name(self, *parts: str) -> str:
        """A physical name that carries the stage: pipeline-pitfalls-prod-app."""
        return "-".join((self.app_name, self.stage, *parts))


class StageResources(Construct):
    """A reports bucket and the function that writes to it, for one stage, with no literals.

    The bucket's name is left to CloudFormation; the function's name carries the stage; the
    alerts topic's ARN is built from the stack's own partition, region and account.
    """

    def __init__(self, scope: Construct, id: str, *, config: DeploymentConfig) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(self, "Reports", enforce_ssl=True)
        alerts_topic_arn = Stack.of(self).format_arn(service="sns", resource=config.name("alerts"))
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=config.name("reports"),
            runtime=RUNTIME,
            handler="index.handler",
            code=lambda_.Code.from_inline("exports.handler = async () => ({ ok: true });"),
            environment={
                "APP_STAGE": config.stage,  # the region is in AWS_REGION, set by Lambda itself
                "REPORTS_BUCKET": self.bucket.bucket_name,
                "ALERTS_TOPIC_ARN": alerts_topic_arn,
            },
        )
        self.bucket.grant_put(self.function)
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[alerts_topic_arn])
        )
