"""Exercise 05: the release-report function, a Python function on a deprecated runtime, moved to
the runtime Lambda's lifecycle table names, with code that still loads there.

The variant: the same lesson (the runtime, and the code with it) in another language, and a
Graviton ticket, so the notebook's Node.js `ApplicationFunction` is not the answer.
"""

from __future__ import annotations

import ast
from typing import Any

from pitfalls.checks.s05_lambda_runtime import runtime_lifecycle
from pitfalls.learner.exercise import Exercise, Requirement, register
from pitfalls.learner.exercises.harness import each, owned, reference_projects
from pitfalls.templates.template import Template

OLD = "python3.9"
# The runtime to move to, as the pinned lifecycle data names it (not typed in here).
SUCCESSOR = str(runtime_lifecycle().get(OLD, {}).get("successor") or "python3.14")
CONSTANT = "PYTHON_" + SUCCESSOR.removeprefix("python").replace(".", "_")
# Standard-library modules Python 3.12 removed (PEP 594, PEP 632): code importing them stops
# loading on any runtime from python3.12 on.
REMOVED_IN_312 = ("distutils", "imp", "asynchat", "asyncore", "smtpd")


def harness(stack: Any, cls: type) -> None:
    from solutions.incomplete_pipeline_stages import DeliveryPipeline
    from solutions.s3_source_bucket import SourceBucket

    app = cls(stack, "App", stage="dev")
    if getattr(app, "function", None) is None:
        raise AttributeError(f"your {cls.__name__} must set self.function to the lambda_.Function")
    # The reference build and test projects install the course's Node.js major: a function on
    # another major is built and tested on a Node it does not run on.
    source = SourceBucket(stack, "Source")
    DeliveryPipeline(stack, "Delivery", source_bucket=source.bucket, **reference_projects(stack))


def _functions(t: Template) -> list[str]:
    return owned(t, "App", "AWS::Lambda::Function")


@each(_functions, "Lambda function")
def runtime(t: Template, lid: str) -> str:
    found = t.props(lid).get("Runtime")
    return f"its Runtime is {found}" if found != SUCCESSOR else ""


@each(_functions, "Lambda function")
def arm64(t: Template, lid: str) -> str:
    archs = list(t.props(lid).get("Architectures") or [])
    return (f"its Architectures are {', '.join(archs) if archs else 'not set (x86_64)'}"
            if archs != ["arm64"] else "")


def removed_imports(code: str) -> list[str]:
    """The modules Python 3.12 removed that `code` imports ([] when it does not parse)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    return sorted({m.split(".")[0] for m in names} & set(REMOVED_IN_312))


def code_loads(t: Template) -> list[tuple[str, str]]:
    out = []
    for lid in _functions(t):
        code = (t.props(lid).get("Code") or {}).get("ZipFile")
        gone = removed_imports(code) if isinstance(code, str) else []
        if gone:
            out.append((lid, f"its inline code imports {', '.join(gone)}, which Python 3.12 and "
                        "later no longer ship: every invocation would fail at import"))
    return out


STARTER = '''\
LEGACY_REPORT = """
from distutils.util import strtobool
import os


def handler(event, context):
    verbose = strtobool(os.environ.get("VERBOSE", "false"))
    return {"ok": True, "verbose": bool(verbose)}
"""


class ReportFunction(Construct):
    def __init__(self, scope, id, *, stage):
        super().__init__(scope, id)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.PYTHON_3_9,
            handler="index.handler",
            code=lambda_.Code.from_inline(LEGACY_REPORT),
            environment={"APP_STAGE": stage},
        )
'''


register(
    Exercise(
        scenario=5,
        class_name="ReportFunction",
        task=(
            f"Write ReportFunction(scope, id, *, stage) that sets self.function to the release-"
            f"report function on {SUCCESSOR}, on arm64, with code that loads there."
        ),
        harness=harness,
        starter=STARTER,
        requirements=(
            Requirement("E05-PYTHON-RUNTIME",
                        f"the successor the lifecycle table names for {OLD}: {SUCCESSOR}", runtime),
            Requirement("E05-ARM64", "the function runs on Graviton (arm64)", arm64),
            Requirement("E05-CODE-LOADS", f"code that loads on {SUCCESSOR}", code_loads),
        ),
        hints=(
            "Read the finding on your function (AWS::Lambda::Function): PP05-DEPRECATED-RUNTIME "
            "quotes the lifecycle table, deprecation date and successor included. Its Runtime, "
            "its Architectures and its inline Code.ZipFile are the three properties the ticket "
            "is about; Python's documentation says which standard-library modules 3.12 removed.",
            f"lambda_.Function(..., runtime=lambda_.Runtime.{CONSTANT}, architecture="
            "lambda_.Architecture.ARM_64, code=lambda_.Code.from_inline(...)); in the code, "
            "distutils.util.strtobool has no replacement in the standard library: compare the "
            "lower-cased string with the values you accept.",
        ),
        docs=(
            "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
            "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_lambda.Architecture.html",
            "https://docs.python.org/library/distutils.html",
        ),
        solution="solutions.lambda_runtime:ApplicationFunction",
        answer="pitfalls.learner.exercises.answers.e05_lambda_runtime:ReportFunction",
        promised=("PP05-DEPRECATED-RUNTIME", "E05-PYTHON-RUNTIME", "E05-ARM64", "E05-CODE-LOADS"),
        tool_rules=("AwsSolutions-L1", "E2531", "W2531", "E2533", "W3030", "E3030"),
        # The harness's builds install the course's Node.js major: a Node.js function on another
        # one is tested on a Node it does not run on (scenario 04's check, answerable here).
        related_checks=("PP04-RUNTIME-MISMATCH",),
    )
)
