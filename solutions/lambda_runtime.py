"""Scenario 05: the application function, on a Node.js runtime Lambda still supports.

The runtime is chosen once, here: `NODE_MAJOR` is derived from it, and the CodeBuild projects
(`solutions.codebuild_configuration`) install that same Node.js major, so the tests run on the
Node.js the function runs on. The code in `lambda_src/` is an ES module with an async handler and
no AWS SDK v2 (`aws-sdk`): Node.js 18 and later runtimes do not ship SDK v2, and Node.js 24 no
longer accepts callback-style handlers. Versions and the `live` alias are scenario 08's
(`solutions.versioning_and_rollback.GradualRelease`).

In the course's pipeline the function's code is not an asset of the app: the pipeline builds and
tests one package, and CloudFormation deploys that package (`code_from_pipeline`), so what runs is
what was tested.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnParameter, Duration
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
# Where the function lives in the repository, and so in the source archive the pipeline builds.
APP_DIR = APP_SOURCE.name
HANDLER = "src/index.handler"
# The stack parameters through which the pipeline's Deploy action says where the package is.
CODE_BUCKET_PARAMETER = "CodeBucket"
CODE_KEY_PARAMETER = "CodeKey"


def code_from_pipeline(scope: Construct) -> lambda_.Code:
    """The function's code as the pipeline hands it to CloudFormation: the S3 bucket and key of
    the package the pipeline built and tested, as two stack parameters."""
    bucket = CfnParameter(scope, CODE_BUCKET_PARAMETER, type="String",
                          description="Bucket of the package the pipeline built and tested")
    key = CfnParameter(scope, CODE_KEY_PARAMETER, type="String",
                       description="Key of the package the pipeline built and tested")
    return lambda_.Code.from_cfn_parameters(bucket_name_param=bucket, object_key_param=key)


class ApplicationFunction(Construct):
    """The function the pipeline ships: `lambda_src/` on `RUNTIME`, logging to a group that expires.

    `code` replaces the asset of `code_dir` (the pipeline's package: `code_from_pipeline`).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str,
        code_dir: Path = APP_SOURCE,
        code: lambda_.Code | None = None,
        function_name: str | None = None,
        description: str | None = None,
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
            function_name=function_name,
            description=description,
            runtime=RUNTIME,
            handler=HANDLER,
            # Only what runs: the tests and local installs stay out of the package.
            code=code
            or lambda_.Code.from_asset(
                str(code_dir), exclude=["test", "scripts", "node_modules", "coverage", "*.zip"]
            ),
            memory_size=256,
            timeout=Duration.seconds(10),
            environment={"APP_STAGE": stage},
            log_group=self.log_group,
        )
