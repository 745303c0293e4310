"""Who may do what: the identity policies attached to a role, read from the template.

Only what the checks of this course need: does a role have an Allow statement for an action on a
resource (or on `*`)? Conditions and Deny statements are ignored, so a "yes" is a maybe and a
"no" is a certain no, which is the direction a check that reports missing grants needs.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from pitfalls.templates import Json, Template, as_list, ref_target, refs_in


def role_of(t: Template, role_value: Json) -> str | None:
    """The logical id of the AWS::IAM::Role a `Role`/`ServiceRole` property points at."""
    target = ref_target(role_value)
    return target if t.type_of(target) == "AWS::IAM::Role" else None


def role_statements(t: Template, role: str) -> Iterator[dict[str, Json]]:
    """Every statement of the role's inline policies and of the policies attached to it."""
    for policy in as_list(t.props(role).get("Policies")):
        if isinstance(policy, dict):
            yield from _statements(policy.get("PolicyDocument"))
    for _lid, body in t.resources("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        props = body.get("Properties") or {}
        if role in {ref_target(r) for r in as_list(props.get("Roles"))}:
            yield from _statements(props.get("PolicyDocument"))


def _statements(document: Json) -> Iterator[dict[str, Json]]:
    if isinstance(document, dict):
        for st in as_list(document.get("Statement")):
            if isinstance(st, dict):
                yield st


def _action_matches(pattern: Json, action: str) -> bool:
    return isinstance(pattern, str) and fnmatch.fnmatchcase(action.lower(), pattern.lower())


def allows(t: Template, role: str, action: str, resource: str | None = None) -> bool:
    """Whether an Allow statement of `role` grants `action` on the resource `resource`.

    `resource` is a logical id: a statement matches when its Resource is `*` or references it.
    With `resource=None` any Resource matches.
    """
    for st in role_statements(t, role):
        if st.get("Effect") != "Allow":
            continue
        if not any(_action_matches(a, action) for a in as_list(st.get("Action"))):
            continue
        resources = as_list(st.get("Resource"))
        if resource is None or "*" in resources or resource in refs_in(resources):
            return True
    return False
