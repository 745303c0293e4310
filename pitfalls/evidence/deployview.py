"""Scenario 14's evidence in one screen: how a stack deploys its function through CodeDeploy.

The parts of the template that decide whether a bad version is caught: the alias's CodeDeploy
update policy (its hooks), the deployment group's traffic shifting, alarms and rollback events,
what each hook function may do, and the actions of the pipeline's deploy stage in run order.
"""

from __future__ import annotations

import difflib
import html
from typing import TYPE_CHECKING, Any

from pitfalls.checks.grants import role_of, role_statements
from pitfalls.checks.s14_deployment_validation import (
    HOOK_KEYS,
    alias_update_policies,
    lambda_deployment_groups,
    last_stage_actions,
)
from pitfalls.evidence.render import STYLE, FindingsTable, SideBySide, styled_html, to_yaml
from pitfalls.templates import Template, ref_target

if TYPE_CHECKING:
    from pitfalls.evidence.synth import SynthResult

GROUP_PROPS = ("DeploymentConfigName", "AlarmConfiguration", "AutoRollbackConfiguration")


def _as_sub(value: Any) -> Any:
    """An ARN built with Fn::Join, written the way Fn::Sub would: one readable line."""
    if isinstance(value, list):
        return [_as_sub(v) for v in value]
    if isinstance(value, dict) and list(value) == ["Fn::Join"]:
        sep, parts = value["Fn::Join"]
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif ref_target(part) is not None:
                attr = part.get("Fn::GetAtt")
                out.append("${" + (".".join(attr) if isinstance(attr, list) else str(ref_target(part))) + "}")
            else:
                return value
        return sep.join(out)
    return value


def _deploy_stage(t: Template) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for lid, _ in t.resources("AWS::CodePipeline::Pipeline"):
        last = sorted(last_stage_actions(t.props(lid)), key=lambda a: (a.run_order, a.name))
        if last:
            out[f"{lid} stage {last[0].stage}"] = [
                f"run order {a.run_order}: {a.name} ({a.category}/{a.provider})" for a in last
            ]
    return out


def deployment_parts(
    result: SynthResult | dict[str, Any], *, grants: bool = True
) -> dict[str, Any]:
    """The deployment-relevant parts of a template, as plain data ready to print."""
    t = Template(result if isinstance(result, dict) else result.template)
    parts: dict[str, Any] = {}
    hooks: list[str] = []
    for alias, policy in alias_update_policies(t):
        parts[f"{alias} (alias) UpdatePolicy"] = {"CodeDeployLambdaAliasUpdate": policy}
        hooks += [str(ref_target(policy.get(k))) for k in HOOK_KEYS if ref_target(policy.get(k))]
    for group in lambda_deployment_groups(t):
        props = t.props(group)
        parts[f"{group} (deployment group)"] = {
            k: props.get(k, "(not set)") for k in GROUP_PROPS
        }
    for hook in hooks if grants else []:
        role = role_of(t, t.props(hook).get("Role"))
        if role is None:
            continue
        parts[f"{hook} (hook) may"] = [
            {"Action": st.get("Action"), "Resource": _as_sub(st.get("Resource"))}
            for st in role_statements(t, role)
            if st.get("Effect") == "Allow"
        ]
    parts.update(_deploy_stage(t))
    return parts


class DeploymentView:
    """The parts above as YAML, then the findings of scenario 14."""

    def __init__(self, result: SynthResult, scenario: int | None = 14) -> None:
        self.text = to_yaml(deployment_parts(result))
        self.table = (
            FindingsTable(result.findings_for(scenario), title=f"Findings for scenario {scenario}")
            if scenario is not None else None
        )

    def __repr__(self) -> str:
        return self.text + (f"\n\n{self.table!r}" if self.table is not None else "")

    @styled_html
    def _repr_html_(self) -> str:
        body = f"{STYLE}<pre class='pp-pre'>{html.escape(self.text)}</pre>"
        return body + (self.table._repr_html_() if self.table is not None else "")


def compare_deployments(broken: SynthResult, fixed: SynthResult) -> SideBySide:
    """Side by side: the deployment-relevant parts before and after (hook grants left out)."""
    left = to_yaml(deployment_parts(broken, grants=False)).splitlines()
    right = to_yaml(deployment_parts(fixed, grants=False)).splitlines()
    view = SideBySide({}, {}, [])
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = left[i1:i2], right[j1:j2]
        for k in range(max(len(a), len(b))):
            view.rows.append((tag, a[k] if k < len(a) else "", b[k] if k < len(b) else ""))
    return view


# --- AWS facts from the pinned SDK data, rather than from memory ----------------------------------


def _botocore_session() -> Any:
    import botocore.session  # type: ignore[import-untyped]  # imported on use: slow to load

    return botocore.session.get_session()


def api_doc(service: str, operation: str, member: str | None = None) -> str:
    """The documentation the pinned botocore ships for an operation, or a field of its response."""
    import re

    op = _botocore_session().get_service_model(service).operation_model(operation)
    doc = op.output_shape.members[member].documentation if member else op.documentation
    return " ".join(re.sub(r"<[^>]+>", " ", doc).split())


def waiter_states(service: str, waiter: str) -> list[tuple[str, str]]:
    """(expected status, waiter outcome) pairs of an AWS CLI/SDK waiter, from botocore's data."""
    model = _botocore_session().get_waiter_model(service).get_waiter(waiter)
    return [(str(a.expected), str(a.state)) for a in model.acceptors]
