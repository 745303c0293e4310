"""Two environments synthesized from the same code, side by side: the names they would share,
and the tag keys each carries (scenario 09). Text for terminals and nbval, HTML for Jupyter."""

from __future__ import annotations

import html
from collections.abc import Iterable

from pitfalls.checks.s09_naming_and_tagging import (
    NAME_PROPERTIES,
    compare_names,
    schema_name_limit,
    tag_keys,
)
from pitfalls.evidence.render import STYLE, styled_html
from pitfalls.evidence.synth import SynthResult
from pitfalls.templates import Template

# Where a clash bites: a BucketName is in S3's global namespace (per partition), the rest per
# account and Region.
_SCOPE = {"AWS::S3::Bucket": "every account (S3's global namespace)"}


class NamesSideBySide:
    """Each named resource's physical name in two environments, and whether they collide."""

    def __init__(self, a: SynthResult, b: SynthResult, titles: tuple[str, str] = ("dev", "prod")):
        ta, tb = Template(a.template, a.stack), Template(b.template, b.stack)
        self.titles = titles
        self.rows: list[tuple[str, str, str, str, str]] = []
        for p in compare_names(ta, tb):
            if p.shared:
                verdict = "✘ same name: clashes in " + _SCOPE.get(p.type, "one account and Region")
            else:
                verdict = "✔ distinct" if "(" not in p.a else "✔ CloudFormation names it per stack"
            self.rows.append((p.resource, p.type.removeprefix("AWS::"), p.a, p.b, verdict))
        keys_a, keys_b = tag_keys(ta), tag_keys(tb)
        self.tags = (", ".join(keys_a) or "(none)", ", ".join(keys_b) or "(none)")
        self.same_tag_keys = keys_a == keys_b and bool(keys_a)
        self.shared = sum(1 for r in self.rows if r[4].startswith("✘"))

    def __repr__(self) -> str:
        head = ("resource", "type", *self.titles, "")
        rows = [head, *self.rows]
        w = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = [
            ("  ".join(c.ljust(w[i]) for i, c in enumerate(r[:4])) + "  " + r[4]).rstrip()
            for r in rows
        ]
        lines.append(
            f"tag keys: {self.titles[0]}: {self.tags[0]} | {self.titles[1]}: {self.tags[1]}"
        )
        lines.append(f"{self.shared} name(s) shared by both environments.")
        return "\n".join(lines)

    @styled_html
    def _repr_html_(self) -> str:
        def row(cells: Iterable[str], tag: str = "td") -> str:
            return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

        body = "".join(
            row(r[:4]).replace("</tr>", "")
            + f"<td class='{'pp-error' if r[4].startswith('✘') else 'pp-ok'}'>"
            + f"{html.escape(r[4])}</td></tr>"
            for r in self.rows
        )
        tags = row(("tag keys", "", *self.tags, "same keys" if self.same_tag_keys else ""))
        return (
            f"{STYLE}<table class='pp-t'>{row(('resource', 'type', *self.titles, ''), 'th')}"
            f"{body}{tags}</table><div>{self.shared} name(s) shared by both environments.</div>"
        )


def names_side_by_side(
    a: SynthResult, b: SynthResult, titles: tuple[str, str] = ("dev", "prod")
) -> NamesSideBySide:
    return NamesSideBySide(a, b, titles)


class NameLimits:
    """The length limits of name properties, as the CloudFormation resource schemas state them."""

    def __init__(self, types: Iterable[str], ours: dict[str, int] | None = None) -> None:
        self.rows = []
        for t in types:
            prop = NAME_PROPERTIES[t]
            found = schema_name_limit(t, prop)
            limit, where = (str(found[0]), found[1]) if found else ("-", "not in the schema")
            mine = str((ours or {}).get(t, "")) if ours else ""
            self.rows.append((t, prop, limit, where, mine))
        self.with_ours = ours is not None

    def __repr__(self) -> str:
        head = ("type", "name property", "limit", "schema field") + (
            ("helper",) if self.with_ours else ()
        )
        rows = [head, *(r if self.with_ours else r[:4] for r in self.rows)]
        w = [max(len(r[i]) for r in rows) for i in range(len(head))]
        return "\n".join("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip() for r in rows)

    @styled_html
    def _repr_html_(self) -> str:
        return f"{STYLE}<pre class='pp-pre'>{html.escape(repr(self))}</pre>"


def name_limits(types: Iterable[str], ours: dict[str, int] | None = None) -> NameLimits:
    return NameLimits(types, ours)
