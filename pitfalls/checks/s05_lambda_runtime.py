"""Scenario 05: a Lambda function on a Node.js runtime that Lambda supports, tested on the same Node.

The runtime facts come from the pinned cfn-lint's runtime lifecycle table
(`cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json`), read as plain JSON, never from a list
typed in here. cfn-lint and CDK's validation report a runtime on the day it is deprecated (W2531) or
blocked (E2531, E2533); `PP05-DEPRECATED-RUNTIME` also looks ahead, so a pipeline is not built on a
runtime that goes out of support within months. "Today" is the judging date of `pitfalls.asof`: the
course's date in notebooks, exercises and tests, the real day in `check`.
`PP05-CODE-OLDER-THAN-RUNTIME` sees what no tool does: inline code written for a runtime older than
the one it is deployed on. A build that tests on another Node.js major than the function runs on is
scenario 04's `PP04-RUNTIME-MISMATCH`, which exercise 05 also answers for.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pitfalls.asof import judging_date
from pitfalls.checks import Violation, check
from pitfalls.templates import Json, Template, pipeline_actions, refs_in

FUNCTION = "AWS::Lambda::Function"
LIFECYCLE_FILE = ("data", "AdditionalSpecs", "LmbdRuntimeLifecycle.json")
# Course policy: a pipeline must not be built on a runtime that is deprecated within this window.
SUPPORT_HORIZON_DAYS = 180


def today() -> dt.date:
    """The day the checks judge by: the course's date unless told otherwise (pitfalls.asof)."""
    return judging_date()


@functools.lru_cache(maxsize=1)
def runtime_lifecycle() -> dict[str, dict[str, Any]]:
    """cfn-lint's runtime lifecycle table: runtime -> deprecated, create-block, update-block, successor.

    Found through the installed package's location without importing cfn-lint, which would cost
    a second and is not needed to read a JSON file.
    """
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*LIFECYCLE_FILE)
    return json.loads(path.read_text()) if path.exists() else {}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def runtime_status(runtime: str, on: dt.date | None = None) -> tuple[str, str] | None:
    """(status, explanation) of a runtime on a day, per the lifecycle table; None if it is not listed.

    status is one of: "update blocked", "create blocked", "deprecated", "deprecated soon", "supported".
    """
    data = runtime_lifecycle().get(runtime)
    if data is None:
        return None
    day = on or today()
    deprecated, create, update = (
        _date(data.get("deprecated")),
        _date(data.get("create-block")),
        _date(data.get("update-block")),
    )
    successor = data.get("successor")
    then = f"; move to {successor}" if successor else ""
    if update and update <= day:
        return "update blocked", (
            f"Lambda blocks creating and updating {runtime} functions since {update}{then}"
        )
    if create and create <= day:
        return "create blocked", (
            f"Lambda blocks creating {runtime} functions since {create} and updating them from {update}{then}"
        )
    if deprecated and deprecated <= day:
        return "deprecated", (
            f"{runtime} is deprecated since {deprecated}; creation is blocked from {create}{then}"
        )
    if deprecated and (deprecated - day).days <= SUPPORT_HORIZON_DAYS:
        return "deprecated soon", (
            f"{runtime} is deprecated on {deprecated}, within {SUPPORT_HORIZON_DAYS} days{then}"
        )
    return "supported", f"{runtime} is supported until {deprecated}"


def node_major(runtime: Json) -> str | None:
    """'nodejs24.x' -> '24'; None for anything that is not a Node.js runtime string."""
    if isinstance(runtime, str):
        m = re.fullmatch(r"nodejs(\d+)(?:\.x)?", runtime)
        if m:
            return m.group(1)
    return None


def _providers(t: Template) -> set[str]:
    """Functions that serve the deployment rather than the application: custom resource
    providers (the ServiceToken of a custom resource), CodeDeploy traffic hooks, and the
    functions a pipeline invokes (a deploy or validation step)."""
    out: set[str] = set()
    for _, body in t.resources_all():
        rtype = str(body.get("Type", ""))
        if rtype == "AWS::CloudFormation::CustomResource" or rtype.startswith("Custom::"):
            out |= refs_in((body.get("Properties") or {}).get("ServiceToken"))
        if rtype == "AWS::CodePipeline::Pipeline":
            for action in pipeline_actions(body.get("Properties") or {}):
                if action.provider == "Lambda":
                    out |= refs_in(action.configuration.get("FunctionName"))
        hooks = (body.get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate") or {}
        for key in ("BeforeAllowTrafficHook", "AfterAllowTrafficHook"):
            out |= refs_in(hooks.get(key))
    return out


def application_functions(t: Template) -> Iterator[tuple[str, dict[str, Json]]]:
    """Lambda functions of the application: every function but the deployment's own helpers."""
    providers = _providers(t)
    for lid, body in t.resources(FUNCTION):
        if lid not in providers:
            yield lid, body


@check(
    id="PP05-DEPRECATED-RUNTIME",
    scenario=5,
    severity="warning",
    requirement=(
        f"A Lambda function runs on a runtime the lifecycle table shows supported for at least "
        f"{SUPPORT_HORIZON_DAYS} more days."
    ),
    rationale=(
        "Once a runtime is deprecated it gets no security patches; then Lambda blocks creating "
        "functions on it, then updating them, and every deploy of the pipeline fails. cfn-lint "
        "only warns from the deprecation day on; a pipeline needs the warning months before."
    ),
    fix="runtime=lambda_.Runtime.NODEJS_24_X (the successor the lifecycle table names), chosen once.",
    source_url="https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
)
def deprecated_runtime(t: Template) -> Iterator[Violation]:
    for lid, _ in application_functions(t):
        runtime = t.props(lid).get("Runtime")
        status = runtime_status(runtime) if isinstance(runtime, str) else None
        if status and status[0] != "supported":
            yield lid, f"{status[0]}: {status[1]} (cfn-lint lifecycle data)"


# Code written for nodejs16.x and older: the SDK v2 that those runtimes shipped, and handlers
# that answer through a callback, which Node.js 24 runtimes no longer call.
SDK_V2 = re.compile(r"""require\(\s*['"]aws-sdk(?:/[^'"]*)?['"]\s*\)|from\s+['"]aws-sdk(?:/[^'"]*)?['"]""")
CALLBACK_HANDLER = re.compile(
    r"(?:exports\.\w+|module\.exports\.\w+|export\s+(?:const|let|var)\s+\w+)\s*=\s*"
    r"(?:async\s+)?(?:function\s*\w*\s*)?\(\s*\w+\s*,\s*\w+\s*,\s*\w+\s*\)"
    r"|export\s+(?:async\s+)?function\s+\w+\s*\(\s*\w+\s*,\s*\w+\s*,\s*\w+\s*\)"
)


@check(
    id="PP05-CODE-OLDER-THAN-RUNTIME",
    scenario=5,
    severity="error",
    requirement="Inline function code works on the runtime it is deployed on.",
    rationale=(
        "Node.js 18 and later runtimes ship the AWS SDK v3 only, so code that requires 'aws-sdk' "
        "fails at load (Runtime.ImportModuleError) on every invocation; Node.js 24 runtimes no "
        "longer support callback-style handlers. Changing the runtime without the code moves "
        "the failure from deploy time to run time."
    ),
    fix=(
        "Use an async handler (export const handler = async (event) => ...) and SDK v3 modular "
        "clients bundled with the code (@aws-sdk/client-*), or no SDK at all."
    ),
    source_url="https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html",
)
def code_older_than_runtime(t: Template) -> Iterator[Violation]:
    for lid, _ in application_functions(t):
        props = t.props(lid)
        major = node_major(props.get("Runtime"))
        code = (props.get("Code") or {}).get("ZipFile")
        if not major or not isinstance(code, str):
            continue
        runtime = f"nodejs{major}.x"
        if int(major) >= 18 and SDK_V2.search(code):
            yield lid, f"inline code requires 'aws-sdk' (SDK v2), which {runtime} does not include"
        if int(major) >= 24 and CALLBACK_HANDLER.search(code):
            yield lid, f"inline code exports a callback-style handler, which {runtime} does not support"

