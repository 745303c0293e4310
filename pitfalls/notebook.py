"""What the course's notebooks use from `pitfalls`, under short names that stay put.

A notebook's setup cell runs `%load_ext pitfalls.notebook` (the `%%exercise N` cell magic) and
imports from here; the rooms behind these names (templates, checks, evidence, learner, emulator)
may be rearranged without touching a notebook.
"""

from __future__ import annotations

from typing import Any

from pitfalls.architecture import architecture
from pitfalls.asof import COURSE_DATE
from pitfalls.checks import run_checks
from pitfalls.checks.s05_lambda_runtime import runtime_lifecycle, runtime_status
from pitfalls.checks.s09_naming_and_tagging import requiring_tags, resource_schema
from pitfalls.checks.tools import cfn_lint_findings, nag_rules
from pitfalls.emulator.verify import verify_stack
from pitfalls.evidence.deployview import DeploymentView, api_doc, compare_deployments, waiter_states
from pitfalls.evidence.environments import name_limits, names_side_by_side
from pitfalls.evidence.live import live_progress
from pitfalls.evidence.local_aws import LocalAWS
from pitfalls.evidence.localrun import (
    BuildSpecView,
    TextFile,
    action_commands,
    app_copy,
    compare_buildspecs,
    run_commands,
    test_action_commands,
)
from pitfalls.evidence.node import load_handler, load_inline_handler
from pitfalls.evidence.pipelineview import Callers, Pipeline, drift_report
from pitfalls.evidence.readback import taught_properties
from pitfalls.evidence.release import SourceTree
from pitfalls.evidence.render import Excerpt, FindingsTable, Table, to_yaml
from pitfalls.evidence.show import (
    acknowledged,
    cli_progress,
    compare,
    evidence,
    physical_names,
    show_code,
    stage_flow,
)
from pitfalls.evidence.snippets import (
    fresh_stack,
    outline,
    run_pytest,
    show_test,
    start_type_checker,
    try_each,
    try_test,
    type_check,
    v1_requirements,
)
from pitfalls.evidence.synth import SynthError, SynthResult, synth, synth_app
from pitfalls.learner.capstone import release_capstone
from pitfalls.learner.doctor import check_environment
from pitfalls.learner.exercise import hint, synth_in_harness
from pitfalls.learner.exercise import load_ipython_extension as _load_exercise_magic
from pitfalls.learner.exercises.harness import reference_alias, reference_projects
from pitfalls.learner.exercises.hurried_delivery_app import HurriedDeliveryApp
from pitfalls.learner.progress import show_progress
from pitfalls.templates import Template, as_list, project_buildspec, refs_in

__all__ = [
    "BuildSpecView", "COURSE_DATE", "Callers", "DeploymentView", "Excerpt", "FindingsTable",
    "HurriedDeliveryApp", "LocalAWS", "Pipeline", "SourceTree", "SynthError", "SynthResult",
    "Table", "Template", "TextFile", "acknowledged", "action_commands", "api_doc", "app_copy",
    "architecture", "as_list", "cfn_lint_findings", "check_environment", "cli_progress", "compare",
    "compare_buildspecs", "compare_deployments", "drift_report", "evidence", "fresh_stack", "hint",
    "live_progress", "load_handler", "load_inline_handler", "nag_rules", "name_limits",
    "names_side_by_side", "outline", "physical_names", "project_buildspec", "reference_alias",
    "release_capstone",
    "reference_projects", "refs_in", "requiring_tags", "resource_schema", "run_checks",
    "run_commands", "run_pytest", "runtime_lifecycle", "runtime_status", "show_code",
    "show_progress", "show_test", "stage_flow", "start_type_checker", "synth", "synth_app",
    "synth_in_harness", "taught_properties", "test_action_commands", "to_yaml", "try_each",
    "try_test", "type_check", "v1_requirements", "verify_stack", "waiter_states",
]


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext pitfalls.notebook`: registers the `%%exercise N` cell magic."""
    _load_exercise_magic(ipython)
