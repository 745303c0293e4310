"""Evidence for notebooks (HTML) and terminals (text): excerpts, findings tables, side-by-side diffs.

Every renderable object has `_repr_html_` for Jupyter and a plain `__repr__` for terminals and
nbval's text comparison; both are deterministic for the same template.
"""

from __future__ import annotations

import difflib
import functools
import html
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import yaml

from pitfalls.checks.findings import Finding, findings_text, sort_findings

# The course's look, in two layers. JupyterLab sanitizes the HTML of outputs it has not seen run
# (every committed notebook when it is opened): <style> blocks are dropped, inline style attributes
# are kept (text-align, colours, borders; not overflow-wrap or var()). Its own
# `.jp-RenderedHTMLCommon td {text-align: right}` also outranks a class rule. So every element
# carries its look inline (`styled`), and the <style> block only adds what inline cannot: the dark
# theme's colours, which must outrank the inline ones.
_CELL = "border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top"
_LOOK = {
    "pp-t": "border-collapse:collapse;font-size:12px;margin:4px 0",
    # Mid tones that read on JupyterLab's light and dark backgrounds alike.
    "pp-error": "color:#d0312d;font-weight:bold",
    "pp-warning": "color:#c07000;font-weight:bold",
    "pp-info": "color:#808080",
    "pp-ok": "color:#1f8f4a;font-weight:bold",
    "pp-pre": "font-size:12px;line-height:1.3;margin:0;white-space:pre;text-align:left",
    # Wrapped monospace text on a div: JupyterLab gives every <pre> word-break:break-all, which
    # cuts words in two where a line wraps.
    "pp-wrap": "white-space:pre-wrap;text-align:left;font-family:monospace;font-size:12px;"
               "line-height:1.4;margin:2px 0",
    "pp-del": "background-color:#fde2e1;color:#1a1a1a",
    "pp-add": "background-color:#dcf5e3;color:#1a1a1a",
    "pp-h": "font-weight:bold;margin:6px 0 2px",
}
STYLE = (
    "<style>"
    "[data-jp-theme-light='false'] .pp-error{color:#ff7b72!important}"
    "[data-jp-theme-light='false'] .pp-warning{color:#e3b341!important}"
    "[data-jp-theme-light='false'] .pp-ok{color:#56d364!important}"
    "[data-jp-theme-light='false'] .pp-del{background-color:#5a1e1e!important;color:inherit!important}"
    "[data-jp-theme-light='false'] .pp-add{background-color:#1b4721!important;color:inherit!important}"
    "[data-jp-theme-light='false'] .pp-t td,[data-jp-theme-light='false'] .pp-t th"
    "{border-color:#555!important}"
    "</style>"
)
_OPEN_TAG = re.compile(r"<([a-z][a-z0-9]*)((?:\s[^>]*)?)>")
_ATTR = {name: re.compile(name + r"='([^']*)'") for name in ("class", "style")}


def _inline(m: re.Match[str]) -> str:
    tag, attrs = m.group(1), m.group(2)
    classes = _ATTR["class"].search(attrs)
    looks = [_CELL] if tag in ("td", "th") else []
    looks += [_LOOK[c] for c in (classes.group(1).split() if classes else ()) if c in _LOOK]
    if not looks:
        return m.group(0)
    decls = ";".join(looks)
    own = _ATTR["style"].search(attrs)
    if own:
        if own.group(1).startswith(decls):  # styled already (a part of a larger output)
            return m.group(0)
        attrs = attrs.replace(own.group(0), "").rstrip()
        decls += ";" + own.group(1)
    return f"<{tag}{attrs} style='{decls}'>"


def styled(body: str) -> str:
    """The course's HTML with its look inlined on every element, and the dark-theme block once."""
    return STYLE + _OPEN_TAG.sub(_inline, body.replace(STYLE, ""))


def styled_html(method: Callable[[Any], str]) -> Callable[[Any], str]:
    """Decorator for `_repr_html_`: what it returns is `styled`."""

    @functools.wraps(method)
    def wrapper(self: Any) -> str:
        return styled(method(self))

    return wrapper


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def without_colour(line: str) -> str:
    """A terminal line without its ANSI colour codes (the CDK CLI colours some of its lines)."""
    return _ANSI.sub("", line)


def breakable(text: str) -> str:
    """Escaped text that may wrap after its separators: a rule id such as
    AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:...] is one long word otherwise, and
    widens its table past the output area (JupyterLab's sanitizer drops CSS word-break)."""
    return re.sub(r"([\[:/,.])(?!$)", r"\1<wbr>", html.escape(text))


class _Tagged(str):
    """A string YAML dumps as a CloudFormation short-form tag (!Ref X, !GetAtt X.Arn)."""

    tag = ""


def _short_forms(value: Any) -> Any:
    """Intrinsic functions rewritten to the YAML short forms people read in the console."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and isinstance(arg, str):
                t = _Tagged(arg)
                t.tag = "!Ref"
                return t
            if key == "Fn::GetAtt" and isinstance(arg, list) and all(isinstance(a, str) for a in arg):
                t = _Tagged(".".join(arg))
                t.tag = "!GetAtt"
                return t
        return {k: _short_forms(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_short_forms(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    def choose_scalar_style(self) -> str:
        # Short-form tags read best unquoted (!Ref Bucket), as in hand-written templates.
        event = self.event
        if isinstance(event, yaml.ScalarEvent) and event.tag in ("!Ref", "!GetAtt"):
            if self.analysis is None:  # type: ignore[has-type]
                self.analysis = self.analyze_scalar(event.value)
            if self.analysis.allow_block_plain and not self.analysis.empty:
                return ""
        return str(super().choose_scalar_style())


_Dumper.add_representer(_Tagged, lambda d, v: d.represent_scalar(v.tag, str(v)))


def to_yaml(value: Any) -> str:
    """Readable YAML of part of a template, in template order."""
    return yaml.dump(
        _short_forms(value), Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100
    ).rstrip()


def resource_view(template: dict[str, Any], lid: str, props: Sequence[str] = ()) -> dict[str, Any]:
    """One resource for display: type and properties (only `props` when given), no CDK metadata."""
    body = (template.get("Resources") or {}).get(lid)
    if body is None:
        return {}
    view: dict[str, Any] = {"Type": body.get("Type")}
    properties = body.get("Properties") or {}
    if props:
        properties = {k: v for k, v in properties.items() if k in props}
        view["Properties"] = properties or "(none of: " + ", ".join(props) + ")"
    elif properties:
        view["Properties"] = properties
    return {lid: view}


class Excerpt:
    """The resources that matter, as YAML."""

    def __init__(
        self, template: dict[str, Any], ids: Iterable[str], title: str = "", props: Sequence[str] = ()
    ) -> None:
        self.title = title
        merged: dict[str, Any] = {}
        for lid in ids:
            merged.update(resource_view(template, lid, props))
        self.text = to_yaml(merged) if merged else "(no such resources)"

    def __repr__(self) -> str:
        return (f"{self.title}\n" if self.title else "") + self.text

    @styled_html
    def _repr_html_(self) -> str:
        head = f"<div class='pp-h'>{html.escape(self.title)}</div>" if self.title else ""
        return f"{STYLE}{head}<pre class='pp-pre'>{html.escape(self.text)}</pre>"


class FindingsTable:
    """Findings as a table: severity, rule, tool, resource, message."""

    def __init__(self, findings: Iterable[Finding], title: str = "") -> None:
        self.findings = sort_findings(list(findings))
        self.title = title

    def __len__(self) -> int:
        return len(self.findings)

    def __repr__(self) -> str:
        return (f"{self.title}\n" if self.title else "") + findings_text(self.findings)

    @styled_html
    def _repr_html_(self) -> str:
        head = f"<div class='pp-h'>{html.escape(self.title)}</div>" if self.title else ""
        if not self.findings:
            return f"{STYLE}{head}<div class='pp-ok'>✔ No findings.</div>"
        rows = "".join(
            f"<tr><td class='pp-{f.severity}'>{f.severity}</td><td><code>{breakable(f.check)}"
            f"</code></td><td>{f.tool}</td><td><code>{breakable(f.resource or '-')}</code></td>"
            f"<td>{html.escape(f.message)}</td></tr>"
            for f in self.findings
        )
        return (
            f"{STYLE}{head}<table class='pp-t'><tr><th>severity</th><th>rule</th><th>tool</th>"
            f"<th>resource</th><th>message</th></tr>{rows}</table>"
        )


class SideBySide:
    """Broken vs fixed for the same resources, aligned line by line."""

    def __init__(
        self,
        broken: dict[str, Any],
        fixed: dict[str, Any],
        ids: Iterable[str],
        props: Sequence[str] = (),
        titles: tuple[str, str] = ("broken", "fixed"),
    ) -> None:
        self.titles = titles
        self.rows: list[tuple[str, str, str]] = []  # (tag, left, right)
        for lid in ids:
            left = to_yaml(resource_view(broken, lid, props)).splitlines() if lid in (
                broken.get("Resources") or {}) else [f"{lid}: (absent)"]
            right = to_yaml(resource_view(fixed, lid, props)).splitlines() if lid in (
                fixed.get("Resources") or {}) else [f"{lid}: (absent)"]
            sm = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
            for tag, i1, i2, j1, j2 in sm.get_opcodes():
                a, b = left[i1:i2], right[j1:j2]
                for k in range(max(len(a), len(b))):
                    self.rows.append(
                        (tag, a[k] if k < len(a) else "", b[k] if k < len(b) else "")
                    )

    def __repr__(self) -> str:
        w = min(max([len(r[1]) for r in self.rows] + [len(self.titles[0])]), 70)
        out = [f"  {self.titles[0].ljust(w)} | {self.titles[1]}"]
        for tag, a, b in self.rows:
            mark = " " if tag == "equal" else "~"
            out.append(f"{mark} {a[:w].ljust(w)} | {b}")
        return "\n".join(out)

    @styled_html
    def _repr_html_(self) -> str:
        def cell(text: str, cls: str) -> str:
            # The <pre> carries the colour too: JupyterLab paints every <pre> with its own background.
            return f"<td class='{cls}'><pre class='pp-pre {cls}'>{html.escape(text)}</pre></td>"

        body = "".join(
            "<tr>"
            + cell(a, "" if tag == "equal" or not a else "pp-del")
            + cell(b, "" if tag == "equal" or not b else "pp-add")
            + "</tr>"
            for tag, a, b in self.rows
        )
        return (
            f"{STYLE}<table class='pp-t'><tr><th>{html.escape(self.titles[0])}</th>"
            f"<th>{html.escape(self.titles[1])}</th></tr>{body}</table>"
        )


class Group:
    """Several renderables shown one after the other."""

    def __init__(self, *parts: Any) -> None:
        self.parts = parts

    def __repr__(self) -> str:
        return "\n\n".join(repr(p) for p in self.parts)

    @styled_html
    def _repr_html_(self) -> str:
        return "".join(p._repr_html_() if hasattr(p, "_repr_html_") else
                       f"<pre>{html.escape(str(p))}</pre>" for p in self.parts)


def flagged_ids(findings: Iterable[Finding]) -> list[str]:
    """Resources named by findings, in first-seen order."""
    seen: dict[str, None] = {}
    for f in findings:
        if f.resource:
            seen.setdefault(f.resource, None)
    return list(seen)


class AcknowledgedTable:
    """Acknowledged (suppressed) findings with the reason each was given."""

    def __init__(self, findings: Iterable[Finding], title: str = "") -> None:
        self.findings = sort_findings(list(findings))
        self.title = title

    def __len__(self) -> int:
        return len(self.findings)

    def __repr__(self) -> str:
        head = f"{self.title}\n" if self.title else ""
        if not self.findings:
            return head + "Nothing acknowledged."
        w = min(max(len(f.check) for f in self.findings), 70)
        r = min(max(len(f.resource) for f in self.findings), 50)
        lines = [f"{f.check[:w].ljust(w)}  {f.resource[:r].ljust(r)}  {f.reason}" for f in self.findings]
        return head + "\n".join(lines) + f"\n{len(self.findings)} acknowledged."

    @styled_html
    def _repr_html_(self) -> str:
        head = f"<div class='pp-h'>{html.escape(self.title)}</div>" if self.title else ""
        if not self.findings:
            return f"{STYLE}{head}<div class='pp-info'>Nothing acknowledged.</div>"
        rows = "".join(
            f"<tr><td><code>{breakable(f.check)}</code></td>"
            f"<td><code>{breakable(f.resource)}</code></td><td>{html.escape(f.reason)}</td></tr>"
            for f in self.findings
        )
        return (
            f"{STYLE}{head}<table class='pp-t'><tr><th>acknowledged rule</th><th>resource</th>"
            f"<th>reason</th></tr>{rows}</table>"
        )


class Table:
    """A small plain table: a header row and rows of text."""

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]], title: str = "") -> None:
        self.header, self.rows, self.title = list(header), [list(r) for r in rows], title

    def __repr__(self) -> str:
        widths = [max(len(str(r[i])) for r in [self.header, *self.rows]) for i in range(len(self.header))]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                 for r in [self.header, *self.rows]]
        return (f"{self.title}\n" if self.title else "") + "\n".join(lines)

    @styled_html
    def _repr_html_(self) -> str:
        head = f"<div class='pp-h'>{html.escape(self.title)}</div>" if self.title else ""
        th = "".join(f"<th>{html.escape(str(h))}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(f"<td>{table_cell(c)}</td>" for c in r) + "</tr>" for r in self.rows)
        return f"{STYLE}{head}<table class='pp-t'><tr>{th}</tr>{body}</table>"


def table_cell(value: object) -> str:
    """A name or value as code, a sentence as text, nothing as nothing (an empty code box reads
    as debris)."""
    text = str(value).strip()
    if not text:
        return ""
    return f"<code>{breakable(text)}</code>" if " " not in text else html.escape(text)
