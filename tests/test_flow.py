"""What a pipeline's actions do, decided from what they run (pitfalls.checks.flow)."""

from __future__ import annotations

from conftest import FIXTURES

from pitfalls.checks.flow import Flow, Step, flows
from pitfalls.templates import load_path, load_template_file

CORPUS = FIXTURES / "corpus"


def only_flow(path: str) -> Flow:
    templates, _ = load_path(CORPUS / path)
    found = [f for t in templates for f in flows(t)]
    assert len(found) == 1
    return found[0]


def steps(flow: Flow) -> dict[str, Step]:
    return {s.where: s for s in flow.steps}


def test_a_lambda_that_may_deploy_makes_its_stage_the_deploy_stage() -> None:
    flow = only_flow("lambda-invoke-deploy")
    by = steps(flow)
    assert by["Release/Deploy"].deploys
    assert not by["Validate/SmokeTest"].deploys and by["Validate/SmokeTest"].validates
    assert flow.deploy_stages == [3]  # Release, not the last stage (Validate)


def test_cdk_pipelines_self_mutation_is_not_the_release() -> None:
    flow = only_flow("cdk-pipelines")
    by = steps(flow)
    assert by["UpdatePipeline/SelfMutate"].updates_pipeline
    assert not by["UpdatePipeline/SelfMutate"].deploys
    assert {s.action.stage for s in flow.deploys} == {"Dev"}
    assert flow.before_deploy(by["UpdatePipeline/SelfMutate"])


def test_a_scan_is_not_a_test_and_a_build_that_runs_tests_is() -> None:
    flow = only_flow("lambda-invoke-deploy-broken-scan-only-tests")
    audit = steps(flow)["Verify/Audit"]
    assert audit.scans and not audit.tests
    synth = steps(only_flow("cdk-pipelines"))["Build/Synth"]
    assert synth.action.category == "Build" and synth.tests


def test_actions_out_of_sight_are_not_guessed() -> None:
    """A project named by a literal (its buildspec elsewhere) may test and may scan: unknown."""
    t = load_template_file(FIXTURES / "checks" / "PP01-DEPLOYS-SOURCE" / "compliant.yaml")
    flow = next(flows(t))
    build = steps(flow)["Build/Build"]
    assert build.tests is None and build.scans is None
    assert steps(flow)["Deploy/Deploy"].deploys


def test_same_stage_order_counts() -> None:
    """In the deploy stage, RunOrder decides what runs before and after the deploy action."""
    flow = only_flow("github-connection")
    by = steps(flow)
    assert flow.after_last_deploy(by["Deploy/Smoke"])
    assert not flow.before_deploy(by["Deploy/Smoke"])
    assert flow.before_deploy(by["Build/Unit"])
