"""Scenario 05: the application function, on a runtime Lambda still accepts.

The runtime is chosen once, here, and the build image pins the same Node.js major
(`solutions.codebuild_configuration.NODE_MAJOR`). The code in `lambda_src/` uses an async handler
and no bundled AWS SDK v2, so it loads on Node.js 18 and later.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

RUNTIME = lambda_.Runtime.NODEJS_24_X
APP_SOURCE = Path(__file__).resolve().parent.parent / "lambda_src"
ALIAS_NAME = "live"


class ApplicationFunction(Construct):
    """The function the pipeline ships, published as versions behind a `live` alias."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str,
        code_dir: Path = APP_SOURCE,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.log_group = logs.LogGroup(
            self, "Logs", retention=log_retention, encryption_key=log_encryption_key
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            handler="src/index.handler",
            code=lambda_.Code.from_asset(
                str(code_dir), exclude=["test", "node_modules", "coverage", "*.zip"]
            ),
            memory_size=256,
            timeout=Duration.seconds(10),
            environment={"APP_STAGE": stage},
            log_group=self.log_group,
        )
        self.alias = lambda_.Alias(
            self, "Alias", alias_name=ALIAS_NAME, version=self.function.current_version
        )
