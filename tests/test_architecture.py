"""The architecture diagram is drawn from the template alone: right for the full pipeline, sensible
for any other template, never a crash, and the same bytes for the same template."""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT

from pitfalls.architecture import Diagram, architecture, text_width, wrap
from pitfalls.templates import PIPELINE, Template, load_template_file, pipeline_actions, ref_target, refs_in

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def full() -> dict[str, Any]:
    from pitfalls.evidence.synth import synth_app
    from solutions.pipeline import PipelineStack

    return synth_app(lambda app: PipelineStack(app, "P"), nag=False)["P"].template


@pytest.fixture(scope="module")
def application() -> dict[str, Any]:
    """The application stack the pipeline's Deploy action deploys through CloudFormation."""
    from pitfalls.evidence.synth import synth_app
    from solutions.hardcoded_environment import DeploymentConfig
    from solutions.pipeline import ApplicationStack

    return synth_app(lambda app: ApplicationStack(app, "A", config=DeploymentConfig("dev")),
                     nag=False)["A"].template


@pytest.fixture(scope="module")
def diagram(full: dict[str, Any]) -> Diagram:
    return architecture(full)


def first(template: dict[str, Any], rtype: str) -> str:
    return next(lid for lid, body in template["Resources"].items() if body["Type"] == rtype)


def parse(d: Diagram) -> ET.Element:
    root = ET.fromstring(d.svg)  # valid XML, or this raises
    assert root.tag == f"{SVG}svg"
    return root


def arrows(root: ET.Element) -> list[tuple[set[str], set[str]]]:
    return [
        (set(p.get("data-from", "").split()), set(p.get("data-to", "").split()))
        for p in root.iter(f"{SVG}path")
        if p.get("class") == "edge"
    ]


# -- the full pipeline ------------------------------------------------------------------------


def test_full_pipeline_stages_left_to_right_in_pipeline_order(full: dict[str, Any], diagram: Diagram) -> None:
    pipeline = first(full, PIPELINE)
    names = [s["Name"] for s in full["Resources"][pipeline]["Properties"]["Stages"]]
    assert len(names) >= 5
    assert diagram.stages == tuple(f"Delivery/Pipeline: {n}" for n in names)

    groups = [g for g in parse(diagram).iter(f"{SVG}g") if g.get("class") == "stage"]
    assert [g.get("data-name") for g in groups] == names
    xs = [float(next(g.iter(f"{SVG}rect")).get("x", "0")) for g in groups]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # one row, left to right


def test_full_pipeline_actions_in_run_order_with_their_resources(
    full: dict[str, Any], diagram: Diagram
) -> None:
    pipeline = first(full, PIPELINE)
    actions = pipeline_actions(full["Resources"][pipeline]["Properties"])
    text = repr(diagram)
    for a in actions:
        aid = f"{pipeline}/{a.stage}/{a.name}"
        if a.category == "Source":
            bucket = ref_target(a.configuration["S3Bucket"])
            assert diagram.has_edge(aid, str(bucket), "source")
        if a.project:
            assert diagram.has_edge(aid, a.project, "runs")
            image = full["Resources"][a.project]["Properties"]["Environment"]["Image"]
            assert image.removeprefix("aws/codebuild/") in text
    # The deploy stage deploys the application stack through CloudFormation, then smoke-tests it.
    deploy = [a.name for a in actions if a.stage == "Deploy"]
    assert deploy == ["Deploy", "SmokeTest"]
    assert text.index("Deploy [Deploy · CloudFormation]") < text.index("SmokeTest [Test · CodeBuild]")
    assert "PipelinePitfalls-dev-App [CloudFormation stack, outside this template]" in text


def test_application_release_side(application: dict[str, Any]) -> None:
    diagram = architecture(application)
    res = application["Resources"]
    group = first(application, "AWS::CodeDeploy::DeploymentGroup")
    alias = first(application, "AWS::Lambda::Alias")
    alarms = [ref_target(a["Name"]) for a in res[group]["Properties"]["AlarmConfiguration"]["Alarms"]]
    assert alarms
    for alarm in alarms:
        assert diagram.has_edge(group, str(alarm), "rolls back on")
    hook = ref_target(res[alias]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["BeforeAllowTrafficHook"])
    assert diagram.has_edge(group, alias, "shifts traffic")
    assert diagram.has_edge(alias, str(hook), "before traffic")
    version = ref_target(res[alias]["Properties"]["FunctionVersion"])
    function = ref_target(res[alias]["Properties"]["FunctionName"])
    assert diagram.has_edge(alias, str(version), "points to")
    assert diagram.has_edge(str(version), str(function), "version of")
    # Drawn as arrows, not only listed.
    drawn = arrows(parse(diagram))
    assert any(group in s and set(map(str, alarms)) <= d for s, d in drawn)
    assert any(group in s and alias in d for s, d in drawn)
    assert "rollback: failure" in repr(diagram)


def test_full_pipeline_failure_path(full: dict[str, Any], diagram: Diagram) -> None:
    topic = first(full, "AWS::SNS::Topic")
    rule = next(lid for lid, body in full["Resources"].items()  # not the source bucket's rule
                if body["Type"] == "AWS::Events::Rule" and topic in refs_in(body["Properties"]["Targets"]))
    sub = first(full, "AWS::SNS::Subscription")
    pipeline = first(full, PIPELINE)
    assert diagram.has_edge(pipeline, rule, "events")
    assert diagram.has_edge(rule, topic, "target")
    assert diagram.has_edge(topic, sub, "delivers")
    drawn = arrows(parse(diagram))
    for src, dst in ((rule, topic), (topic, sub)):
        assert any(src in s and dst in d for s, d in drawn), (src, dst)
    assert "state: FAILED" in repr(diagram)


def test_full_pipeline_shared_pieces(full: dict[str, Any], diagram: Diagram) -> None:
    res = full["Resources"]
    key = first(full, "AWS::KMS::Key")
    users = [
        lid
        for lid, body in res.items()
        if key in refs_in(body.get("Properties") or {})
        and not body["Type"].startswith(("AWS::IAM::", "AWS::KMS::"))
    ]
    assert len(users) > 5
    assert f"encrypts {len(users)} resources" in repr(diagram)
    assert all(diagram.has_edge(u, key, "encrypted by") for u in users)
    trail = first(full, "AWS::CloudTrail::Trail")
    pipeline = first(full, PIPELINE)
    source = ref_target(res[pipeline]["Properties"]["Stages"][0]["Actions"][0]["Configuration"]["S3Bucket"])
    assert diagram.has_edge(trail, str(source), "records")
    artifacts = ref_target(res[pipeline]["Properties"]["ArtifactStore"]["Location"])
    assert diagram.has_edge(pipeline, str(artifacts), "artifact store")
    logs = [lid for lid, body in res.items() if body["Type"] == "AWS::Logs::LogGroup"]
    assert f"{len(logs)} log groups" in repr(diagram)
    assert "dashboard Monitoring/Dashboard" in repr(diagram)


def test_every_resource_is_accounted_for(full: dict[str, Any], diagram: Diagram) -> None:
    assert diagram.shown == set(full["Resources"])


def test_labels_are_construct_paths(full: dict[str, Any], diagram: Diagram) -> None:
    root = parse(diagram)
    visible = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "Source/Bucket" in visible and "Delivery/Pipeline/Notify" in visible
    # Logical ids (with CDK's hash) are kept for tooltips and data attributes, not shown as text.
    assert first(full, "AWS::S3::Bucket") not in visible


def test_text_fits_its_card(diagram: Diagram) -> None:
    root = parse(diagram)
    width = float(root.get("width", "0"))
    assert width == 960
    for g in root.iter(f"{SVG}g"):
        if g.get("class") not in ("card", "ref"):
            continue
        rect = g.find(f"{SVG}rect")
        assert rect is not None
        left = float(rect.get("x", "0"))
        right = left + float(rect.get("width", "0"))
        for t in g.findall(f"{SVG}text"):
            size = float(t.get("font-size", "0"))
            spacing = float(t.get("letter-spacing", "0")) * len(t.text or "")
            end = (
                float(t.get("x", "0"))
                + text_width(t.text or "", size, t.get("font-weight") == "bold")
                + spacing
            )
            assert left <= float(t.get("x", "0")) and end <= right + 0.5, (t.text, end, right)
    for t in root.iter(f"{SVG}text"):
        if t.get("text-anchor") is None:
            assert float(t.get("x", "0")) + text_width(t.text or "", float(t.get("font-size", "0"))) < width


def test_deterministic(full: dict[str, Any], diagram: Diagram) -> None:
    again = architecture(copy.deepcopy(full))
    assert again.svg == diagram.svg
    assert repr(again) == repr(diagram)
    assert again.edges == diagram.edges


def test_no_aws_cdk_import() -> None:
    code = (
        "import sys; from pitfalls.architecture import architecture; architecture({}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'constructs')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# -- any other template ------------------------------------------------------------------------


def test_template_without_a_pipeline() -> None:
    t = load_template_file(FIXTURES / "checks" / "PP14-NO-PRE-TRAFFIC-HOOK" / "compliant.yaml")
    d = architecture(t)
    root = parse(d)
    assert d.stages == ()
    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "stage"]
    assert d.has_edge("Group", "Alias", "shifts traffic")
    assert d.has_edge("Alias", "Hook", "before traffic")
    assert d.has_edge("Group", "Errors", "rolls back on")
    assert d.shown == {lid for lid, _ in t.resources_all()}


def test_topic_without_subscribers_says_so() -> None:
    d = architecture(
        load_template_file(FIXTURES / "checks" / "PP06-TOPIC-NO-SUBSCRIPTION" / "noncompliant.yaml")
    )
    assert "nobody hears this topic" in repr(d)
    assert "nobody hears this topic" in d.svg


@pytest.mark.parametrize(
    "template", [{}, {"Resources": {}}, {"Resources": None}, {"Resources": []}, [], "text"]
)
def test_empty_template(template: Any) -> None:
    d = architecture(template)
    parse(d)
    assert d.edges == () and d.stages == ()
    assert "no resources" in repr(d)


def test_malformed_pieces_do_not_crash() -> None:
    template = {
        "Parameters": {"Email": {"Type": "String"}},
        "Resources": {
            "NotAResource": "text",
            "NoType": {"Properties": {}},
            "Pipe": {
                "Type": PIPELINE,
                "Properties": {
                    "Stages": [
                        {
                            "Name": "Source",
                            "Actions": [
                                {
                                    "Name": "Src",
                                    "ActionTypeId": {"Category": "Source", "Provider": "S3"},
                                    "Configuration": {"S3Bucket": {"Ref": "MissingBucket"}},
                                    "RunOrder": "abc",
                                }
                            ],
                        },
                        {
                            "Name": "Odd",
                            "Actions": [{"Name": "X", "ActionTypeId": "CodeBuild", "Configuration": []}],
                        },
                        "not a stage",
                        {"Name": "Empty"},
                    ],
                    "ArtifactStore": {"Location": {"Ref": "MissingArtifacts"}},
                },
            },
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": "{not json",
                    "Targets": [{"Arn": {"Ref": "MissingTopic"}}, "junk"],
                },
            },
            "Group": {
                "Type": "AWS::CodeDeploy::DeploymentGroup",
                "Properties": {
                    "AlarmConfiguration": {"Alarms": [{"Name": {"Ref": "MissingAlarm"}}, "junk"]},
                    "AutoRollbackConfiguration": "yes",
                },
            },
            "Alias": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {"FunctionName": {"Ref": "MissingFn"}},
                "UpdatePolicy": {"CodeDeployLambdaAliasUpdate": {"DeploymentGroupName": {"Ref": "Group"}}},
            },
            "Sub": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {"TopicArn": {"Ref": "MissingTopic"}, "Protocol": {"Ref": "Email"}},
            },
            "Logs": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": ["not", "a", "dict"],
                "Metadata": "not a dict",
            },
            "Weird": {"Type": "Custom::Thing", "Properties": {"X": {"Fn::GetAtt": "Nowhere.Arn"}}},
            "Odd<&>": {"Type": "AWS::SQS::Queue", "Metadata": {"aws:cdk:path": 'S/q\x01<&>"/Resource'}},
        },
    }
    d = architecture(template)
    parse(d)
    text = repr(d)
    assert d.stages == ("Pipe: Source", "Pipe: Odd", "Pipe: #2", "Pipe: Empty")
    assert "MissingBucket is not in the template" in text
    assert "MissingAlarm (not in the template)" in text
    assert "2 malformed" in text
    assert "Custom::Thing" in text and "SQS queue" in text
    assert d.shown == {lid for lid in template["Resources"] if lid not in ("NotAResource", "NoType")}


def test_every_check_fixture_draws() -> None:
    for path in sorted((FIXTURES / "checks").glob("*/*.*")):
        t = load_template_file(path)
        d = architecture(t)
        parse(d)
        assert d.shown == {lid for lid, _ in t.resources_all()}, path


def test_mutated_full_pipeline_never_crashes(full: dict[str, Any]) -> None:
    """Junk put in random places of a real template: still a diagram, still valid XML."""
    junk: list[Any] = [
        None,
        0,
        True,
        "",
        [],
        {},
        ["a", None],
        {"Ref": "Missing"},
        {"Fn::GetAtt": "Missing.Arn"},
        {"Fn::Sub": 3},
        {"Ref": 5},
        "\x00<&>",
    ]

    def paths(v: Any, p: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        found = [p]
        if isinstance(v, dict):
            for k, c in v.items():
                found += paths(c, (*p, k))
        elif isinstance(v, list):
            for i, c in enumerate(v):
                found += paths(c, (*p, i))
        return found

    rng = random.Random(8)
    places = [p for p in paths(full) if 0 < len(p) <= 6]
    for _ in range(60):
        t = copy.deepcopy(full)
        for _ in range(rng.randint(1, 5)):
            place = rng.choice(places)
            node: Any = t
            try:
                for k in place[:-1]:
                    node = node[k]
                node[place[-1]] = copy.deepcopy(rng.choice(junk))
            except (KeyError, IndexError, TypeError):
                pass
        parse(architecture(t))


def test_not_hard_coded_for_our_stack() -> None:
    """Other providers and names: chips come from what each action's configuration references."""
    template = {
        "Resources": {
            "Repo": {"Type": "AWS::CodeCommit::Repository", "Properties": {"RepositoryName": "app"}},
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Runtime": "python3.13", "Handler": "a.b"},
            },
            "Queue": {"Type": "AWS::SQS::Queue"},
            "Every5": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "ScheduleExpression": "rate(5 minutes)",
                    "Targets": [{"Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}],
                },
            },
            "P": {
                "Type": PIPELINE,
                "Properties": {
                    "Stages": [
                        {
                            "Name": "Get",
                            "Actions": [
                                {
                                    "Name": "Repo",
                                    "ActionTypeId": {"Category": "Source", "Provider": "CodeCommit"},
                                    "Configuration": {"RepositoryName": {"Fn::GetAtt": ["Repo", "Name"]}},
                                }
                            ],
                        },
                        {
                            "Name": "Ship",
                            "Actions": [
                                {
                                    "Name": "Stack",
                                    "ActionTypeId": {"Category": "Deploy", "Provider": "CloudFormation"},
                                    "Configuration": {"StackName": "prod-app"},
                                    "RunOrder": 1,
                                },
                                {
                                    "Name": "Ping",
                                    "ActionTypeId": {"Category": "Invoke", "Provider": "Lambda"},
                                    "Configuration": {"FunctionName": {"Ref": "Fn"}},
                                    "RunOrder": 2,
                                },
                            ],
                        },
                    ]
                },
            },
        }
    }
    d = architecture(template)
    parse(d)
    assert d.stages == ("P: Get", "P: Ship")
    assert d.has_edge("P/Get/Repo", "Repo", "uses")
    assert d.has_edge("P/Ship/Ping", "Fn", "invokes")
    assert d.has_edge("Every5", "Queue", "target")
    text = repr(d)
    assert "prod-app [CloudFormation stack" in text and "rate(5 minutes)" in text
    assert text.index("Stack [Deploy · CloudFormation]") < text.index("Ping [Invoke · Lambda]")


def test_many_helper_functions_are_one_list() -> None:
    fns = {
        f"Helper{i}": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.13"}}
        for i in range(12)
    }
    d = architecture({"Resources": fns})
    cards = [g for g in parse(d).iter(f"{SVG}g") if g.get("class") == "card"]
    assert len(cards) == 1 and set(cards[0].get("data-id", "").split()) == set(fns)
    assert "12 functions [Lambda functions]: Helper0 · python3.13" in repr(d)


def test_wrap_fits_and_marks_what_it_cut() -> None:
    text = "Validation/PreTrafficHook/Function/ServiceRole/DefaultPolicy"
    lines = wrap(text, 100, 10, max_lines=2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(text_width(line, 10) <= 100 for line in lines)
    assert wrap("Deploy: deploys App/Function", 120, 10) == ["Deploy: deploys", "App/Function"]
    assert "".join(wrap(text, 400, 10, max_lines=5)) == text


def test_template_object_and_stack_name() -> None:
    t = Template({"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}, "MyStack")
    d = architecture(t)
    assert repr(d).startswith("MyStack: 1 resource,")
    assert json.loads(json.dumps(d.stages)) == []


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m pitfalls.architecture TEMPLATE OUT.svg` prints the outline and writes the drawing."""
    from pitfalls.architecture import main

    out = tmp_path / "arch.svg"
    src = FIXTURES / "checks" / "PP14-NO-PRE-TRAFFIC-HOOK" / "compliant.yaml"
    assert main([str(src), str(out)]) == 0
    assert ET.parse(out).getroot().tag == f"{SVG}svg"
    assert "Release" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
