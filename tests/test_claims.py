"""Claims the notebooks make about the tools and AWS, held against the pinned tools' own data or a
run: a pin bump that changes one of them fails here, not silently in a notebook's prose."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import ROOT

from pitfalls import scenarios
from pitfalls.checks.tools import RULE_SCENARIOS, nag_rules
from pitfalls.evidence.node import load_handler
from pitfalls.evidence.synth import SynthError, synth

NAG_ID = re.compile(r"\bAwsSolutions-[A-Z]+\d+\b")


def _sources(kind: str | None = None) -> dict[str, str]:
    """Each notebook's cell sources, joined: {file name: text}."""
    out = {}
    for nb in scenarios.notebooks():
        cells = json.loads(nb.path.read_text(encoding="utf-8"))["cells"]
        out[nb.path.name] = "\n".join(
            "".join(c["source"]) for c in cells if kind is None or c["cell_type"] == kind
        )
    return out


# --- cdk-nag: only rules the pinned cdk-nag has ---------------------------------------------------


def test_every_cited_cdk_nag_rule_exists() -> None:
    """Notebook 04 once cited `CB3` for privileged mode; cdk-nag 3.0.2's AwsSolutions pack has no
    such rule. Every AwsSolutions id the notebooks and the tool mapping name is in the pack."""
    known = {r.id for r in nag_rules("aws-solutions")}
    assert len(known) > 100, "cdk-nag's AwsSolutions pack was not read"
    cited = {m for text in _sources().values() for m in NAG_ID.findall(text)}
    cited |= {rule for rule in RULE_SCENARIOS if rule.startswith("AwsSolutions-")}
    assert cited - known == set()


def test_cdk_nag_has_no_privileged_mode_rule() -> None:
    codebuild = {r.id: r.rule for r in nag_rules("aws-solutions") if r.rule.startswith("CodeBuild")}
    assert codebuild == {"AwsSolutions-CB4": "CodeBuildProjectKMSEncryptedArtifacts",
                         "AwsSolutions-CB5": "CodeBuildProjectManagedImages"}


def test_lambda_in_a_vpc_is_a_compliance_pack_rule_not_an_aws_solutions_one() -> None:
    assert not [r for r in nag_rules("aws-solutions") if "VPC" in r.rule and "Lambda" in r.rule]
    for pack in ("nist-800-53-r5", "hipaa-security", "pci-dss-321"):
        assert any(r.rule == "LambdaInsideVPC" for r in nag_rules(pack)), pack
    assert nag_rules("no-such-pack") == ()


# --- S3 bucket names: the pinned CDK's account-regional namespace ---------------------------------


def test_account_regional_bucket_namespace() -> None:
    from aws_cdk import aws_s3 as s3

    from pitfalls.checks.s09_naming_and_tagging import resource_schema

    r = synth(lambda stack: s3.Bucket(stack, "Reports", bucket_namespace=s3.BucketNamespace.ACCOUNT_REGIONAL,
                                      bucket_name_prefix="reports-dev"), nag=False)
    (bucket,) = r.resources("AWS::S3::Bucket").values()
    assert bucket["Properties"] == {"BucketNamePrefix": "reports-dev", "BucketNamespace": "account-regional"}
    with pytest.raises(SynthError, match="'bucketName' cannot be used with 'bucketNamespace'"):
        synth(lambda stack: s3.Bucket(stack, "Reports", bucket_name="reports-dev",
                                      bucket_namespace=s3.BucketNamespace.ACCOUNT_REGIONAL), nag=False)
    create_only = (resource_schema("AWS::S3::Bucket") or {}).get("createOnlyProperties", [])
    assert {"/properties/BucketNamePrefix", "/properties/BucketNamespace"} <= set(create_only)


# --- CodePipeline: a source action in another region ----------------------------------------------


def _pipeline_reading_a_bucket_in(region: str) -> Any:
    from aws_cdk import aws_codepipeline as codepipeline
    from aws_cdk import aws_codepipeline_actions as actions
    from aws_cdk import aws_s3 as s3

    def build(stack: Any) -> None:
        bucket = s3.Bucket.from_bucket_attributes(stack, "Uploads", bucket_name="uploads", region=region)
        pipeline = codepipeline.Pipeline(stack, "Pipeline", pipeline_type=codepipeline.PipelineType.V2)
        pipeline.add_stage(stage_name="Source", actions=[actions.S3SourceAction(
            action_name="Source", bucket=bucket, bucket_key="source.zip", output=codepipeline.Artifact())])
        pipeline.add_stage(stage_name="Approve", actions=[actions.ManualApprovalAction(action_name="Ok")])

    return build


def test_cdk_refuses_a_source_bucket_in_another_region() -> None:
    import aws_cdk as cdk

    env = cdk.Environment(account="111111111111", region="eu-west-1")
    assert synth(_pipeline_reading_a_bucket_in("eu-west-1"), env=env, nag=False)
    with pytest.raises(SynthError, match="Source action 'Source' must be in the same region as the pipeline"):
        synth(_pipeline_reading_a_bucket_in("us-east-1"), env=env, nag=False)


# --- Lambda: a handler path that does not exist -----------------------------------------------------


@pytest.mark.parametrize("handler, code, message", [
    ("index.handler", "MODULE_NOT_FOUND", "Cannot find module 'index'"),
    ("src/app.handler", "MODULE_NOT_FOUND", "Cannot find module 'app'"),
    ("src/index.main", "NO_HANDLER", "src/index.mjs exports no function main"),
])
def test_a_handler_that_does_not_exist(handler: str, code: str, message: str) -> None:
    """What Node answers when the function's Handler names a module or function the package does
    not have (Lambda wraps the first as Runtime.ImportModuleError, the second as
    Runtime.HandlerNotFound)."""
    r = load_handler(ROOT / "lambda_src", handler)
    assert not r.loaded and r.error == {**(r.error or {}), "code": code, "message": message}


# --- the audit trail records data events only ---------------------------------------------------


def test_the_audit_trail_records_only_source_bucket_writes() -> None:
    """Notebook 15's cost note: the trail logs no management events, only the source bucket's
    object writes (data events, charged per event), so an idle trail records nothing."""
    from pitfalls.evidence.synth import synth_app
    from solutions.pipeline import PipelineStack

    r = synth_app(lambda app: PipelineStack(app, "P"), nag=False)["P"]
    (trail,) = r.resources("AWS::CloudTrail::Trail").values()
    selectors: list[dict[str, Any]] = trail["Properties"]["EventSelectors"]
    assert [s["IncludeManagementEvents"] for s in selectors] == [False]
    assert selectors[0]["ReadWriteType"] == "WriteOnly"
    assert [d["Type"] for d in selectors[0]["DataResources"]] == ["AWS::S3::Object"]


# --- links between notebooks --------------------------------------------------------------------


def test_relative_links_in_notebooks_resolve() -> None:
    """Notebook 07 once linked `12 · monitoring and logging` to README.md."""
    broken = []
    for name, text in _sources("markdown").items():
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            if not (ROOT / "notebooks" / target.split("#", 1)[0]).exists():
                broken.append(f"{name}: {target}")
    assert broken == []


def test_links_to_a_notebook_name_it() -> None:
    """A link's text that names a notebook (`12 · monitoring and logging`) points at that one."""
    wrong = []
    for name, text in _sources("markdown").items():
        for label, target in re.findall(r"\[(\d\d) · [^\]]*\]\(([^)\s]+)\)", text):
            if not target.startswith(f"{label}_"):
                wrong.append(f"{name}: [{label} ...]({target})")
    assert wrong == []
