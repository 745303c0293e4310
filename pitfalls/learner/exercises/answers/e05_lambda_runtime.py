"""Exercise 05's answer: the release-report function on the lifecycle table's Python successor,
on Graviton, with code that no longer imports what Python 3.12 removed."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from constructs import Construct


class ReportFunction(Construct):
    """The release-report function, on the current Python runtime and arm64."""

    def __init__(self, scope: Construct, id: str, *, stage: str) -> None:
        super().__init__(scope, id)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            # distutils went with Python 3.12: parse the flag without it.
            code=lambda_.Code.from_inline(
                "import os\n\n\n"
                "def handler(event, context):\n"
                '    verbose = os.environ.get("VERBOSE", "false").lower() in ("1", "true", "yes", "on")\n'
                '    return {"ok": True, "verbose": verbose}\n'
            ),
            environment={"APP_STAGE": stage},
        )
