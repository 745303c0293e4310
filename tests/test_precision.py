"""False positives are defects: idiomatic, secure CDK produces no finding of ours."""

from __future__ import annotations

import pytest

from pitfalls import scenarios
from pitfalls.checks import run_checks
from pitfalls.evidence.synth import synth_app
from pitfalls.templates import Template
from solutions.pipeline import PipelineStack


def test_full_pipeline_has_no_findings_of_ours() -> None:
    r = synth_app(lambda app: PipelineStack(app, "P"))["P"]
    assert run_checks(Template(r.template, "P")) == []


def test_full_pipeline_clean_for_the_written_scenarios() -> None:
    r = synth_app(lambda app: PipelineStack(app, "P"))["P"]
    for scenario in scenarios.numbers():
        assert r.findings_for(scenario) == [], scenario


@pytest.mark.slow  # cfn-lint over the whole pipeline: 20 s on 2 cores
def test_cfn_lint_is_clean_on_the_full_pipeline() -> None:
    from pitfalls.checks.tools import cfn_lint_findings

    r = synth_app(lambda app: PipelineStack(app, "P"))["P"]
    assert cfn_lint_findings(Template(r.template, "P")) == []
