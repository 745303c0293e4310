"""Scenario 03: one validated configuration; the literal checks read the stack's environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pitfalls.evidence.synth import synth, synth_app
from solutions.hardcoded_environment import ConfigError, DeploymentConfig, StageResources


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"stage": "prd"}, "stage 'prd' is not one of dev, test, prod: pass -c stage=dev"),
        ({"stage": "dev", "account": "1234"}, "account '1234' is not a 12-digit AWS account id"),
        ({"stage": "dev", "region": "us-east1"}, "region 'us-east1' is not an AWS region code"),
    ],
)
def test_invalid_values_give_one_line(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        DeploymentConfig(**kwargs)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_from_context_reads_stage_and_cli_variables() -> None:
    import aws_cdk as cdk

    app = cdk.App(context={"stage": "prod"})
    env = {"CDK_DEFAULT_ACCOUNT": "111122223333", "CDK_DEFAULT_REGION": "eu-west-1",
           "CDK_DEPLOY_REGION": "eu-central-1"}
    config = DeploymentConfig.from_context(app, environ=env)
    assert (config.stage, config.account, config.region) == ("prod", "111122223333", "eu-central-1")
    assert config.stack_name == "PipelinePitfalls-prod"
    assert config.name("app") == "pipeline-pitfalls-prod-app"
    assert DeploymentConfig.from_context(app, environ={}).env is None
    with pytest.raises(ConfigError, match="no stage"):
        DeploymentConfig.from_context(cdk.App(), environ={})


def _two_stages(app: Any) -> None:
    import aws_cdk as cdk

    for stage in ("dev", "prod"):
        StageResources(cdk.Stack(app, f"S-{stage}"), "Stage", config=DeploymentConfig(stage=stage))


def test_dev_and_prod_share_no_physical_name() -> None:
    from pitfalls.checks.s03_hardcoded_environment import physical_names
    from pitfalls.templates import Template

    rs = synth_app(_two_stages, nag=False)
    dev, prod = (physical_names(Template(rs[s].template, s)) for s in ("S-dev", "S-prod"))
    assert dev and {v for _, v in dev.values()}.isdisjoint({v for _, v in prod.values()})


def test_environment_specific_synth_is_not_flagged() -> None:
    """CDK writes the stack's own region and account into ARNs; those are not typed in."""
    import aws_cdk as cdk

    from solutions.pipeline import PipelineStack

    env = cdk.Environment(account="111122223333", region="eu-west-1")
    r = synth_app(lambda app: PipelineStack(app, "P", env=env), nag=False)["P"]
    assert "eu-west-1" in json.dumps(r.template["Resources"])
    assert r.findings_for(3) == []


def test_other_region_in_an_environment_specific_stack_is_flagged() -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_sns as sns

    r = synth(lambda s: sns.Topic(s, "T", display_name="alerts from us-east-1"),
              env=cdk.Environment(account="111122223333", region="eu-west-1"), nag=False)
    assert [f.check for f in r.findings_for(3)] == ["PP03-LITERAL-REGION"]


def test_checker_reads_the_environment_from_the_manifest(tmp_path: Path) -> None:
    """`pitfalls check cdk.out` of an environment-specific app: clean with the manifest; its
    template alone is not judged on what only the manifest can tell, and the report says so."""
    import shutil

    import aws_cdk as cdk

    from pitfalls.checks import check_path, findings_for_path
    from pitfalls.evidence.synth import SYNTH_CONTEXT

    out = tmp_path / "cdk.out"
    app = cdk.App(outdir=str(out), context=SYNTH_CONTEXT)
    StageResources(cdk.Stack(app, "S", env=cdk.Environment(account="111122223333",
                                                           region="eu-west-1")),
                   "Stage", config=DeploymentConfig(stage="dev"))
    app.synth()
    assert [f for f in findings_for_path(out) if f.scenario == 3] == []
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(out / "S.template.json", bare / "S.template.json")
    report = check_path(bare)
    assert [f for f in report.findings if f.scenario == 3] == []
    assert report.not_judged == {"S": ["PP03-LITERAL-ACCOUNT", "PP03-LITERAL-REGION"]}
