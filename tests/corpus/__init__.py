"""The precision corpus: secure, idiomatic pipelines in idioms the course does not use.

Every pipeline meets every requirement our checks state, so the checker must report nothing on
it; each broken variant breaks one thing, and the check that names that fault must report it
(and nothing else). `PIPELINES` maps a name to its module's `build(app, broken=None)`; `BROKEN`
lists the variants with the checks they must raise. The synthesized assemblies are kept under
tests/fixtures/corpus/ so the fast tests run the checks without jsii; tests/test_corpus_synth.py
re-synthesizes them and compares (`python -m tests.corpus` rewrites them).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"

# name -> module of tests/corpus (each has build(app, broken=None))
PIPELINES: dict[str, str] = {
    "lambda-invoke-deploy": "lambda_invoke_deploy",
    "cloudformation-deploy": "cloudformation_deploy",
    "change-set-approval": "change_set_approval",
    "github-connection": "github_connection",
    "cdk-pipelines": "cdk_pipelines",
    "several-stacks": "several_stacks",
    "nested-constructs": "nested_constructs",
    "s3-deploy": "s3_deploy",
    "sam-two-environments": "sam_two_environments",
    "s3-events-trail": "s3_events_trail",
    "report-groups": "report_groups",
    "container-image": "container_image",
}

# (pipeline, broken variant) -> the check ids its findings must be exactly
BROKEN: dict[tuple[str, str], set[str]] = {
    ("lambda-invoke-deploy", "no-deploy-rollback"): {"PP08-NO-STAGE-ROLLBACK"},
    ("cloudformation-deploy", "artifacts-http"): {"PP07-ACCEPTS-HTTP"},
    ("change-set-approval", "notify-success-only"): {"PP06-NO-FAILURE-RULE"},
    ("github-connection", "tests-ignored"): {"PP13-TEST-FAILURE-IGNORED"},
    ("cdk-pipelines", "no-tests"): {"PP01-NO-TEST"},
    ("several-stacks", "service-logs-unmanaged"): {"PP12-LOGS-NEVER-EXPIRE"},
    ("nested-constructs", "privileged-build"): {"PP11-PRIVILEGED-MODE"},
    ("s3-deploy", "scan-swallowed"): {"PP11-NO-SECURITY-SCAN"},
    ("sam-two-environments", "prod-no-rollback"): {"PP08-NO-STAGE-ROLLBACK"},
    ("s3-events-trail", "no-trail"): {"PP12-EVENTS-NOT-RECORDED"},
    ("report-groups", "report-not-granted"): {"PP13-REPORT-NOT-GRANTED"},
    ("lambda-invoke-deploy", "scan-only-tests"): {"PP01-NO-TEST"},
    ("github-connection", "no-smoke-test"): {"PP14-NO-SMOKE-TEST"},
    ("container-image", "no-rollback-alarm"): {"PP08-NO-ROLLBACK-ALARM", "PP14-NO-ALARM-ROLLBACK"},
}


def builder(name: str) -> Callable[..., Any]:
    return importlib.import_module(f"{__name__}.{PIPELINES[name]}").build  # type: ignore[no-any-return]


def fixture_dir(name: str, broken: str | None = None) -> Path:
    return FIXTURES / (f"{name}-broken-{broken}" if broken else name)


def cases() -> list[tuple[str, str | None]]:
    return [(n, None) for n in PIPELINES] + list(BROKEN)
