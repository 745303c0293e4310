"""Scenario 05: the application function, on a Node.js runtime Lambda still supports.

The runtime is chosen once, here: `NODE_MAJOR` is derived from it, and the CodeBuild projects
(`solutions.codebuild_configuration`) install that same Node.js major, so the tests run on the
Node.js the function runs on. The code in `lambda_src/` is an ES module with an async handler and
no AWS SDK v2 (`aws-sdk`): Node.js 18 and later runtimes do not ship SDK v2, and Node.js 24 no
longer accepts callback-style handlers. Versions and the `live` alias are scenario 08's
(`solutions.versioning_and_rollback.GradualRelease`).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

# The one place the runtime is chosen. Use the CDK constant, not a string: a string skips CDK's
# knowledge of the runtime (inline code support, its deprecation notice) and lets typos through.
RUNTIME = lambda_.Runtime.NODEJS_24_X
# "nodejs24.x" -> "24": the major the build and the tests install (CodeBuild runtime-versions).
NODE_MAJOR = RUNTIME.name.removeprefix("nodejs").split(".", 1)[0]
APP_SOURCE = Path(__file__).resolve().parent.parent / "lambda_src"
HANDLER = "src/index.handler"


class ApplicationFunction(Construct):
    """The function the pipeline ships: `lambda_src/` on `RUNTIME`, logging to a group that expires."""

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
            handler=HANDLER,
            # Only what runs: the tests and local installs stay out of the package.
            code=lambda_.Code.from_asset(
                str(code_dir), exclude=["test", "scripts", "node_modules", "coverage", "*.zip"]
            ),
            memory_size=256,
            timeout=Duration.seconds(10),
            environment={"APP_STAGE": stage},
            log_group=self.log_group,
        )
