"""The course's HTML keeps its look where JupyterLab sanitizes it (committed outputs opened before
they run: <style> dropped, inline styles kept) and where JupyterLab's own rules would win."""

from __future__ import annotations

import re

from pitfalls.checks.findings import Finding
from pitfalls.evidence.render import STYLE, FindingsTable, Group, Table, styled


def _cells(html: str) -> list[str]:
    return re.findall(r"<t[dh]\b[^>]*>", html)


def test_every_table_cell_is_left_aligned_inline() -> None:
    f = Finding(check="PP07-X", scenario=7, severity="error", resource="Bucket", message="m")
    html = FindingsTable([f])._repr_html_()
    cells = _cells(html)
    assert cells and all("text-align:left" in c for c in cells)
    assert "color:#d0312d" in html  # the severity's colour survives without the <style> block


def test_style_block_once_and_idempotent() -> None:
    t = Table(["a"], [["1"]])
    both = Group(t, t)._repr_html_()
    assert both.count(STYLE) == 1
    assert styled(both) == both
    # An element's own style attribute is kept after the course's look.
    assert styled("<pre class='pp-ok' style='white-space:pre-wrap'>x</pre>").endswith(
        "style='color:#1f8f4a;font-weight:bold;white-space:pre-wrap'>x</pre>")


def test_unknown_markup_untouched() -> None:
    assert styled('<span style="color: #008000">x</span>') == STYLE + '<span style="color: #008000">x</span>'
