"""Fold the findings of existing tools into our model, under their own rule ids.

- CDK's validation report (`validation-report.json`), which carries cdk-nag 3 (plugin
  "AwsSolutions") and CDK's built-in "CloudFormation Validate" plugin.
- cfn-lint, run as a library on a template (slow to import, so only when asked for).

And what those tools know, read from their own data: cdk-nag's rule packs (`nag_rules`), so that
the course cites only rules the pinned cdk-nag has.
"""

from __future__ import annotations

import functools
import json
import re
import tarfile
from dataclasses import dataclass
from datetime import date, datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from pitfalls.asof import judging_date
from pitfalls.checks.findings import Finding
from pitfalls.templates import Template

# Scenario of each tool rule we teach; anything else falls back to the resource type.
RULE_SCENARIOS: dict[str, int] = {
    "AwsSolutions-S1": 12,
    "AwsSolutions-S2": 7,
    "AwsSolutions-S5": 7,
    "AwsSolutions-S10": 7,
    "AwsSolutions-IAM4": 2,
    "AwsSolutions-IAM5": 2,
    "AwsSolutions-CB4": 11,
    "AwsSolutions-CB5": 4,
    "AwsSolutions-KMS5": 11,
    "AwsSolutions-SNS3": 11,
    "AwsSolutions-SMG4": 11,
    "AwsSolutions-L1": 5,
    "E2531": 5,
    "W2531": 5,
    "E2533": 5,
    "W2533": 5,
    # A property CloudFormation does not have, or a required one missing: from an escape hatch
    # (add_property_override) or raw L1 data in the wrong case. CDK's validation (F) and
    # cfn-lint (E) report them; typed L2 props cannot produce them.
    "F3002": 10,
    "F3003": 10,
    "E3002": 10,
    "E3003": 10,
}

TYPE_SCENARIOS: dict[str, int] = {
    "AWS::CodePipeline::Pipeline": 1,
    "AWS::IAM::Role": 2,
    "AWS::IAM::Policy": 2,
    "AWS::IAM::ManagedPolicy": 2,
    "AWS::CodeBuild::Project": 4,
    "AWS::Lambda::Function": 5,
    "AWS::SNS::Topic": 6,
    "AWS::SNS::TopicPolicy": 6,
    "AWS::SNS::Subscription": 6,
    "AWS::Events::Rule": 6,
    "AWS::S3::Bucket": 7,
    "AWS::S3::BucketPolicy": 7,
    "AWS::Lambda::Alias": 8,
    "AWS::Lambda::Version": 8,
    "AWS::CodeDeploy::DeploymentGroup": 8,
    "AWS::KMS::Key": 11,
    "AWS::Logs::LogGroup": 12,
    "AWS::CloudWatch::Alarm": 12,
    "AWS::CloudTrail::Trail": 12,
    "AWS::CodeBuild::ReportGroup": 13,
}

# Rules CDK itself excludes from its CloudFormation validation of CDK output; cfn-lint gets the
# same list so both tools judge a CDK template alike.
CFN_LINT_IGNORED = ["W3005", "W1020", "E1018", "W9002", "W9013", "W1103"]

TOOL_OF_PLUGIN = {"AwsSolutions": "cdk-nag", "CloudFormation Validate": "cdk-validate"}
# Our own CDK validation plugin (pitfalls.cdk_plugin): its findings are our checks', which the
# checker runs itself; reading them from the report too would list each twice.
OWN_PLUGIN = "pipeline-pitfalls"


def base_rule(rule: str) -> str:
    """`AwsSolutions-IAM5[Action::s3:*]` -> `AwsSolutions-IAM5`."""
    return rule.split("[", 1)[0]


def scenario_for(rule: str, resource_type: str | None) -> int:
    """The course scenario a tool finding belongs to."""
    return RULE_SCENARIOS.get(base_rule(rule)) or TYPE_SCENARIOS.get(resource_type or "", 0)


def _severity(value: str) -> str:
    v = (value or "").lower()
    return v if v in ("error", "warning", "info") else "warning"


def report_findings(
    report: dict[str, Any], templates: dict[str, Template]
) -> tuple[list[Finding], list[Finding]]:
    """Findings and acknowledged (suppressed) findings from a CDK validation report."""
    by_path: dict[str, tuple[str, str]] = {}
    for stack, tpl in templates.items():
        for lid, _ in tpl.resources_all():
            path = tpl.cdk_path(lid)
            if path:
                by_path[path] = (stack, lid)

    def locate(construct: dict[str, Any]) -> tuple[str, str] | None:
        cfn = construct.get("cloudFormationResource") or {}
        if cfn.get("logicalId"):
            tfile = cfn.get("templatePath", "")
            stack = tfile.removesuffix(".template.json")
            if stack in templates:
                return stack, cfn["logicalId"]
        return by_path.get(construct.get("constructPath", ""))

    def convert(plugin: str, v: dict[str, Any]) -> list[Finding]:
        out = []
        rule = v.get("ruleName", "")
        for c in v.get("violatingConstructs", []):
            where = locate(c)
            if where is None:
                continue  # a construct of a stack we were not asked about
            stack, lid = where
            out.append(
                Finding(
                    scenario=scenario_for(rule, templates[stack].type_of(lid)),
                    check=rule,
                    resource=lid,
                    severity=_severity(v.get("severity", "")),
                    message=(v.get("description") or "").strip(),
                    tool=TOOL_OF_PLUGIN.get(plugin, plugin),
                    stack=stack,
                    fix=(v.get("fix") or v.get("suggestedFix") or "").strip(),
                    reason=(v.get("reason") or "").strip(),
                )
            )
        return out

    found: list[Finding] = []
    suppressed: list[Finding] = []
    for pr in report.get("pluginReports", []):
        name = pr.get("pluginName", "")
        if name == OWN_PLUGIN:
            continue
        for v in pr.get("violations", []):
            found.extend(convert(name, v))
        for v in pr.get("suppressedViolations", []):
            suppressed.extend(convert(name, v))
    return found, suppressed


# cfn-lint's rules that judge a Lambda runtime against the clock (`datetime.today()` in each).
CFN_LINT_DATED_RULES = ("W2531", "E2531", "E2533")


def _judge_as_of(rules: Any, day: date) -> None:
    """Make cfn-lint's dated rules of one runner read `day` where they read the clock.

    cfn-lint has no option for the day. Each runner loads its rules as fresh modules, and these
    three call `datetime.today()` through their module's `datetime` name; that name, in this
    runner's modules only, becomes a class whose `today()` is `day`. The rules' logic and data stay
    cfn-lint's. A cfn-lint whose rules read the clock some other way raises here rather than
    silently judging by the calendar (the drift job would report it).
    """

    class _Day(datetime):
        @classmethod
        def today(cls) -> _Day:
            return cls(day.year, day.month, day.day)

    for rule_id in CFN_LINT_DATED_RULES:
        scope = type(rules[rule_id]).validate.__globals__
        if scope.get("datetime") is not datetime:
            raise RuntimeError(f"cfn-lint's {rule_id} no longer reads datetime.today(): "
                               "pitfalls.checks.tools._judge_as_of needs updating")
        scope["datetime"] = _Day


def cfn_lint_findings(template: Template, region: str = "us-east-1") -> list[Finding]:
    """cfn-lint's findings on a template, its runtime rules judging as of `pitfalls.asof`'s date.

    What `cfnlint.api.lint` does, with the runner's dated rules told the day. Imports cfn-lint:
    about a second the first time.
    """
    from cfnlint.config import ConfigMixIn, ManualArgs
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner import Runner

    data, errors = decode_str(json.dumps(template.data))
    matches = list(errors)
    if data is not None and not errors:
        runner = Runner(ConfigMixIn(**ManualArgs(regions=[region], ignore_checks=CFN_LINT_IGNORED)))
        _judge_as_of(runner.rules, judging_date())
        matches = list(runner.validate_template(data))
    out = []
    for m in matches:
        path = list(getattr(m, "path", None) or [])
        lid = str(path[1]) if len(path) > 1 and path[0] == "Resources" else ""
        rule_id = m.rule.id
        sev = {"E": "error", "W": "warning", "I": "info"}.get(rule_id[:1], "warning")
        out.append(
            Finding(
                scenario=scenario_for(rule_id, template.type_of(lid) if lid else None),
                check=rule_id,
                resource=lid,
                severity=sev,
                message=m.message,
                tool="cfn-lint",
                stack=template.name,
            )
        )
    return out


# --- cdk-nag's rule packs, as the pinned cdk-nag applies them ------------------------------------


@dataclass(frozen=True)
class NagRule:
    """One rule of a cdk-nag pack: the id its findings carry, the rule it runs, its level."""

    id: str  # AwsSolutions-CB4
    rule: str  # CodeBuildProjectKMSEncryptedArtifacts
    level: str  # error | warning
    info: str


_APPLY_RULE = re.compile(r"this\.applyRule\(\{(.*?)\}\);", re.S)
_JS_STRING = r"""(['"])((?:\\.|(?!\1).)*)\1"""


@functools.cache
def nag_rules(pack: str = "aws-solutions") -> tuple[NagRule, ...]:
    """The rules of one cdk-nag pack (`aws-solutions`, `nist-800-53-r5`, ...), read from the code
    the installed cdk-nag ships (`lib/packs/<pack>.js` in its jsii tarball), without running it.

    A rule's id is the pack's name and the rule's suffix (`AwsSolutions-CB4`), or the rule's own
    name for packs without suffixes (`NIST.800.53.R5-LambdaInsideVPC`), as in cdk-nag's findings.
    """
    spec = find_spec("cdk_nag")
    if spec is None or not spec.submodule_search_locations:
        return ()
    tarballs = sorted((Path(list(spec.submodule_search_locations)[0]) / "_jsii").glob("cdk-nag@*.jsii.tgz"))
    if not tarballs:
        return ()
    with tarfile.open(tarballs[-1]) as tar:
        try:
            member = tar.extractfile(f"package/lib/packs/{pack}.js")
        except KeyError:
            return ()
        js = member.read().decode("utf-8") if member else ""
    name = re.search(r"this\.packName\s*=\s*" + _JS_STRING, js)
    prefix = name.group(2) if name else pack
    rules = []
    for body in _APPLY_RULE.findall(js):
        rule = re.search(r"\brule:\s*\w+\.(\w+)", body)
        if rule is None:
            continue
        suffix = re.search(r"ruleSuffixOverride:\s*" + _JS_STRING, body)
        info = re.search(r"\binfo:\s*" + _JS_STRING, body)
        level = re.search(r"NagMessageLevel\.(\w+)", body)
        rules.append(NagRule(
            id=f"{prefix}-{suffix.group(2) if suffix else rule.group(1)}",
            rule=rule.group(1),
            level="error" if level and level.group(1) == "ERROR" else "warning",
            info=info.group(2) if info else "",
        ))
    return tuple(rules)
