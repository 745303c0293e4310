"""Exercise 05: the application function on a runtime Lambda supports, with code that runs on it."""

from __future__ import annotations

from typing import Any

from pitfalls.checks.s05_lambda_runtime import runtime_lifecycle
from pitfalls.learner.exercise import Exercise, register
from pitfalls.learner.exercises.harness import reference_projects

# The runtime to move to, as the pinned lifecycle data names it (not typed in here).
SUCCESSOR = str(runtime_lifecycle().get("nodejs14.x", {}).get("successor") or "nodejs24.x")
CONSTANT = "NODEJS_" + SUCCESSOR.removeprefix("nodejs").replace(".", "_").upper()


def harness(stack: Any, cls: type) -> None:
    from solutions.incomplete_pipeline_stages import DeliveryPipeline
    from solutions.s3_source_bucket import SourceBucket

    app = cls(stack, "App", stage="dev")
    if getattr(app, "function", None) is None:
        raise AttributeError("your ApplicationFunction must set self.function to the lambda_.Function")
    # The reference build and test projects install the course's Node.js major: a function on
    # another major is built and tested on a Node it does not run on.
    source = SourceBucket(stack, "Source")
    DeliveryPipeline(stack, "Delivery", source_bucket=source.bucket, **reference_projects(stack))


STARTER = """\
class ApplicationFunction(Construct):
    def __init__(self, scope, id, *, stage):
        super().__init__(scope, id)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.NODEJS_14_X,
            handler="index.handler",
            code=lambda_.Code.from_inline(LEGACY_HANDLER),
            environment={"APP_STAGE": stage},
        )
"""


register(
    Exercise(
        scenario=5,
        class_name="ApplicationFunction",
        task=(
            "Write ApplicationFunction(scope, id, *, stage) that sets self.function to a "
            "lambda_.Function on a supported Node.js runtime, with code that loads on it."
        ),
        harness=harness,
        starter=STARTER,
        hints=(
            f"AWS::Lambda::Function needs Runtime: {SUCCESSOR} (the successor cfn-lint's lifecycle "
            "table names for the older Node.js runtimes), the Node.js major the buildspecs' "
            "runtime-versions install; its code must not require('aws-sdk') nor answer through "
            "a callback.",
            f"runtime=lambda_.Runtime.{CONSTANT}, handler='src/index.handler', "
            "code=lambda_.Code.from_asset(str(APP_SOURCE), exclude=['test', 'node_modules']): "
            "the course's lambda_src/ has an async handler and no SDK v2.",
        ),
        solution="solutions.lambda_runtime:ApplicationFunction",
        tool_rules=("AwsSolutions-L1", "E2531", "W2531", "E2533", "W3030", "E3030"),
        # The harness's builds install the course's Node.js major: a function on another one is
        # tested on a Node it does not run on (scenario 04's check, answerable here).
        related_checks=("PP04-RUNTIME-MISMATCH",),
    )
)
