"""docs/emulator-coverage.md is what scripts/emulator_coverage.py generates from the models."""

from __future__ import annotations

from pathlib import Path

from pitfalls.emulator.coverage import render

ROOT = Path(__file__).resolve().parents[2]


def test_committed_coverage_table_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "emulator-coverage.md").read_text()
    assert committed == render(), "stale: run python scripts/emulator_coverage.py"


def test_every_type_the_course_needs_is_covered() -> None:
    from pitfalls.emulator.services import load_models

    needed = {
        "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::KMS::Key", "AWS::KMS::Alias",
        "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::CodeBuild::Project",
        "AWS::CodeBuild::ReportGroup", "AWS::Logs::LogGroup", "AWS::Lambda::Function",
        "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::CodePipeline::Pipeline",
        "AWS::SNS::Topic", "AWS::SNS::Subscription", "AWS::SNS::TopicPolicy",
        "AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::Events::Rule",
        "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::CodeDeploy::Application",
        "AWS::CodeDeploy::DeploymentGroup", "AWS::CloudTrail::Trail", "AWS::SSM::Parameter",
        "AWS::ECR::Repository", "AWS::CDK::Metadata",
    }
    assert needed <= set(load_models())


def test_every_modelled_type_is_read_back_by_its_service() -> None:
    """A model without a read-back would deploy unverified; a read-back without a model is dead."""
    from pitfalls.emulator.readback import CHECKERS
    from pitfalls.emulator.services import load_models, load_readbacks

    load_readbacks()
    assert set(CHECKERS) == set(load_models())
    for rtype, check in CHECKERS.items():
        model = load_models()[rtype]
        assert check.__module__.rsplit(".", 1)[0] == model.__module__.rsplit(".", 1)[0], rtype


def test_the_cdk_survey_says_what_the_models_do() -> None:
    """Each surveyed construct option is supported (its type and property are modelled) or
    refused (they are not) as the coverage document says."""
    from pitfalls.emulator.coverage import SURVEY
    from pitfalls.emulator.services import load_models

    registry = load_models()
    for construct, writes, answer in SURVEY:
        rtype, _, prop = writes.partition(" ")
        cls = registry.get(rtype)
        supported = cls is not None and (not prop or prop in cls.PROPERTIES)
        assert supported == (answer == "supported"), (construct, writes, answer)


def test_every_pipeline_test_names_the_aws_page_it_follows() -> None:
    import ast

    tree = ast.parse((ROOT / "tests" / "emulator" / "test_pipelines.py").read_text())
    tests = [f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name.startswith("test_")]
    assert tests
    for test in tests:
        assert "https://docs.aws.amazon.com/" in (ast.get_docstring(test) or ""), test.name
