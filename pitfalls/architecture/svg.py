"""Layout and SVG: panels of flows and grids, pipeline stages, cards, orthogonal arrows, a legend.

`render_svg` is the entry; every position comes from measured text (`measure`), so the same model
always gives the same bytes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from pitfalls.architecture.measure import FONT, text_width, wrap
from pitfalls.architecture.model import PALETTE, Card, Flow, Panel, PipelineView

WIDTH = 960
MARGIN = 14
PAD = 12  # inside a panel
COL_GAP = 50  # between flow columns: room for an arrow label
ROW_GAP = 30  # between cards stacked in a column: room for a vertical arrow and its label
STAGE_GAP = 22
SIZE = {"kind": 8.5, "title": 11.5, "line": 10.0, "panel": 13.0, "arrow": 8.5}
LEAD = {"kind": 11.0, "title": 14.0, "line": 12.5}
INK, DIM, WARN, ARROW = "#1f2328", "#57606a", "#b3261e", "#6e7781"

_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _esc(text: str) -> str:
    return html.escape(_XML_BAD.sub("", text), quote=True)


def _n(v: float) -> str:
    r = round(v, 1)
    return str(int(r)) if r == int(r) else f"{r}"


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float
    col: int = 0

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


class _Svg:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.used: list[str] = []

    def use(self, service: str) -> None:
        if service not in self.used:
            self.used.append(service)

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float,
        fill: str = INK,
        bold: bool = False,
        anchor: str = "start",
        extra: str = "",
    ) -> None:
        weight = ' font-weight="bold"' if bold else ""
        anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
        self.out.append(
            f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" fill="{fill}"{weight}{anchor_attr}{extra}>'
            f"{_esc(s)}</text>"
        )

    def path(
        self, points: list[tuple[float, float]], colour: str = ARROW, width: float = 1.3, attrs: str = ""
    ) -> None:
        """A polyline ending in an arrow head."""
        d = "M" + " L".join(f"{_n(px)} {_n(py)}" for px, py in points)
        head = "pa-head-blue" if colour != ARROW else "pa-head"
        self.out.append(
            f'<path{attrs} d="{d}" fill="none" stroke="{colour}" stroke-width="{_n(width)}" '
            f'marker-end="url(#{head})"/>'
        )

    def rect(
        self, x: float, y: float, w: float, h: float, rx: float, fill: str, stroke: str, attrs: str = ""
    ) -> None:
        self.out.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="{_n(rx)}" fill="{fill}" '
            f'stroke="{stroke}"{attrs}/>'
        )

    # -- cards ------------------------------------------------------------------------------------

    def card_layout(self, card: Card, w: float, pad: float = 7) -> tuple[float, list[tuple[str, list[str]]]]:
        """Height of a card at width w, and its wrapped text blocks (style, lines)."""
        inner = w - 2 * pad
        kind = wrap(card.kind.upper(), inner - 0.3 * len(card.kind), SIZE["kind"], max_lines=2)
        blocks: list[tuple[str, list[str]]] = [("kind", kind)]
        if card.title:
            blocks.append(("title", wrap(card.title, inner, SIZE["title"], bold=True, max_lines=3)))
        for text, style in card.lines:
            blocks.append((style or "line", wrap(text, inner, SIZE["line"], max_lines=3)))
        h = pad + 2
        for style, lines in blocks:
            h += len(lines) * LEAD["kind" if style == "kind" else "title" if style == "title" else "line"]
        for chip in card.chips:
            h += 4 + self.card_layout(chip, inner, pad=5)[0]
        return h + pad - 1, blocks

    def card(self, card: Card, x: float, y: float, w: float, pad: float = 7) -> float:
        height, blocks = self.card_layout(card, w, pad)
        stroke, fill, _ = PALETTE[card.service]
        self.use(card.service)
        data = f' data-id="{_esc(" ".join(card.ids))}"' if card.ids else ""
        cls = "ref" if card.elsewhere else "card"
        self.out.append(f'<g class="{cls}" data-key="{_esc(card.key)}"{data}>')
        if card.tip:
            self.out.append(f"<title>{_esc(card.tip)}</title>")
        dash = ' stroke-dasharray="4 3"' if card.elsewhere else ""
        self.rect(x, y, w, height, 5, "#ffffff" if card.elsewhere or card.plain else fill, stroke, dash)
        cy = y + pad + 1
        for style, lines in blocks:
            for line in lines:
                if style == "kind":
                    cy += LEAD["kind"]
                    self.text(x + pad, cy - 2.5, line, SIZE["kind"], stroke, extra=' letter-spacing="0.3"')
                elif style == "title":
                    cy += LEAD["title"]
                    self.text(x + pad, cy - 3, line, SIZE["title"], INK, bold=True)
                else:
                    cy += LEAD["line"]
                    colour = {"dim": DIM, "warn": WARN}.get(style, INK)
                    italic = ' font-style="italic"' if style == "warn" else ""
                    self.text(x + pad, cy - 3, line, SIZE["line"], colour, extra=italic)
        for chip in card.chips:
            cy += 4
            cy += self.card(chip, x + pad, cy, w - 2 * pad, pad=5)
        self.out.append("</g>")
        return height

    # -- arrows -----------------------------------------------------------------------------------

    def arrow(
        self,
        points: list[tuple[float, float]],
        src: Card,
        dst: Card,
        label: str,
        label_at: tuple[float, float, str] | None,
    ) -> None:
        ends = (_esc(" ".join(card.ids) or card.key) for card in (src, dst))
        self.path(points, attrs=' class="edge" data-from="{}" data-to="{}"'.format(*ends))
        if label and label_at:
            lx, ly, anchor = label_at
            self.text(
                lx,
                ly,
                label,
                SIZE["arrow"],
                DIM,
                anchor=anchor,
                extra=' stroke="#ffffff" stroke-width="3" paint-order="stroke"',
            )

    def route(
        self, a: _Box, b: _Box, src: Card, dst: Card, label: str, lane: float, labelled: set[str]
    ) -> None:
        """An orthogonal arrow from box a to box b in a flow; labels sit in the gap before b."""
        ya = a.y + min(a.h / 2, 20)
        yb = b.y + min(b.h / 2, 20)
        tag = f"{src.key}:{label}:{_n(ya)}"
        if b.col == a.col:
            x = a.x + 18
            points = [(x, a.bottom), (x, b.y - 1)]
            at = (x + 6, (a.bottom + b.y) / 2 + 3, "start")
        elif b.col == a.col + 1:
            mid = (a.right + b.x) / 2
            points = (
                [(a.right, ya), (mid, ya), (mid, yb), (b.x - 1, yb)]
                if abs(ya - yb) > 0.5
                else [(a.right, ya), (b.x - 1, yb)]
            )
            at = (mid, ya - 4, "middle")
        else:
            points = [
                (a.right, ya),
                (a.right + 8, ya),
                (a.right + 8, lane),
                (b.x - 10, lane),
                (b.x - 10, yb),
                (b.x - 1, yb),
            ]
            at = ((a.right + b.x) / 2, lane - 3, "middle")
        self.arrow(points, src, dst, label, None if tag in labelled else at)
        labelled.add(tag)


def _natural_width(card: Card, pad: float = 7) -> float:
    """How wide a card would like to be: its longest line unwrapped."""
    widest = max(
        [
            text_width(card.kind.upper(), SIZE["kind"]) + 0.3 * len(card.kind),
            text_width(card.title, SIZE["title"], True),
        ]
        + [text_width(t, SIZE["line"]) for t, _ in card.lines]
        + [_natural_width(chip, 5) for chip in card.chips]
    )
    return widest + 2 * pad + 2


def _column_widths(flow: Flow, width: float) -> list[float]:
    """Columns as wide as their cards would like (within limits); when that is too wide, the widest
    give way first (one cap for all), so short cards keep their lines whole."""
    natural = [min(max((_natural_width(c) for c in col), default=0.0), 250.0) for col in flow.columns]
    natural = [max(w, 110.0) for w in natural]
    room = width - (len(natural) - 1) * COL_GAP
    if sum(natural) <= room:
        return natural
    low, high = 0.0, max(natural)
    for _ in range(30):
        cap = (low + high) / 2
        low, high = (cap, high) if sum(min(w, cap) for w in natural) <= room else (low, cap)
    return [min(w, low) for w in natural]


def _flow_svg(svg: _Svg, flow: Flow, x: float, y: float, width: float) -> float:
    """Draw a flow at (x, y) in `width`; return its height."""
    widths = _column_widths(flow, width)
    boxes: dict[str, _Box] = {}
    cards: dict[str, Card] = {}
    col_of = {card.key: ci for ci, column in enumerate(flow.columns) for card in column}
    # Arrows that skip a column (or run backwards) need a lane above the cards.
    has_lane = any(
        s in col_of and d in col_of and col_of[d] not in (col_of[s], col_of[s] + 1) for s, d, _ in flow.arrows
    )
    top = y + (12 if has_lane else 0)
    height = 0.0
    cx = x
    for ci, column in enumerate(flow.columns):
        col_w = widths[ci]
        cy = top
        for card in column:
            h = svg.card_layout(card, col_w)[0]
            boxes[card.key] = _Box(cx, cy, col_w, h, ci)
            cards[card.key] = card
            cy += h + ROW_GAP
        height = max(height, cy - ROW_GAP - y)
        cx += col_w + COL_GAP
    lane = y + 4
    for column in flow.columns:
        for card in column:
            box = boxes[card.key]
            svg.card(card, box.x, box.y, box.w)
    labelled: set[str] = set()
    for src, dst, label in flow.arrows:
        if src in boxes and dst in boxes:
            svg.route(boxes[src], boxes[dst], cards[src], cards[dst], label, lane, labelled)
    return height


def _grid_svg(svg: _Svg, cards: list[Card], x: float, y: float, width: float, cols: int = 4) -> float:
    """Cards in `cols` columns, each next card under the shortest column (masonry)."""
    gap = 12.0
    w = (width - (cols - 1) * gap) / cols
    heights = [0.0] * cols
    for card in cards:
        c = min(range(cols), key=lambda i: (heights[i], i))
        h = svg.card(card, x + c * (w + gap), y + heights[c], w)
        heights[c] += h + gap
    return max(heights) - gap if cards else 0.0


def _stage_svg(svg: _Svg, view: PipelineView, x: float, y: float, width: float) -> float:
    stages = view.stages
    per_row = min(len(stages), 6) or 1
    # A few stages need no more room than six would get: wide empty boxes read as "big".
    w = min((width - (per_row - 1) * STAGE_GAP) / per_row, 250.0)
    inner = w - 12
    rows = [stages[i : i + per_row] for i in range(0, len(stages), per_row)]
    cy = y
    prev: _Box | None = None
    for row_i, row in enumerate(rows):
        heights = []
        for stage in row:
            h = 30.0
            for i, card in enumerate(stage.actions):
                h += svg.card_layout(card, inner)[0] + (8 if i else 0)
            heights.append(h + 8 if stage.actions else 52.0)
        row_h = max(heights)
        for i, stage in enumerate(row):
            sx = x + i * (w + STAGE_GAP)
            stroke, _, _ = PALETTE["devtools"]
            svg.out.append(
                f'<g class="stage" data-index="{stage.index}" data-name="{_esc(stage.name)}" '
                f'data-pipeline="{_esc(view.lid)}">'
            )
            svg.rect(sx, cy, w, row_h, 7, "#f7f8fd", stroke, ' stroke-width="1.2"')
            svg.out.append(f'<circle cx="{_n(sx + 15)}" cy="{_n(cy + 14)}" r="9" fill="{stroke}"/>')
            svg.text(sx + 15, cy + 17.5, str(stage.index + 1), 10, "#ffffff", bold=True, anchor="middle")
            name = wrap(stage.name, w - 36, 11.5, bold=True, max_lines=1)[0]
            svg.text(sx + 30, cy + 18, name, 11.5, INK, bold=True)
            ay = cy + 30
            for j, card in enumerate(stage.actions):
                if j:
                    if card.order != stage.actions[j - 1].order:
                        # a later run order: draw the hand-over, not just a gap
                        svg.path([(sx + w / 2, ay + 1), (sx + w / 2, ay + 7)])
                    ay += 8
                ay += svg.card(card, sx + 6, ay, inner)
            if not stage.actions:
                svg.text(sx + 10, cy + 44, "no actions", SIZE["line"], WARN, extra=' font-style="italic"')
            svg.out.append("</g>")
            box = _Box(sx, cy, w, row_h)
            if prev is not None:
                if prev.y == box.y:
                    points = [(prev.right, cy + 14), (box.x - 1, cy + 14)]
                else:  # the next row: down from this stage, across, and down into the next
                    mid, px, bx = prev.bottom + STAGE_GAP / 2, prev.x + prev.w / 2, box.x + box.w / 2
                    points = [(px, prev.bottom), (px, mid), (bx, mid), (bx, box.y - 1)]
                svg.path(points, stroke, 1.6, ' class="flow"')
            prev = box
        cy += row_h + (STAGE_GAP if row_i < len(rows) - 1 else 0)
    return cy - y


def _heading(title: str, note: str) -> tuple[bool, list[str]]:
    """A panel's note: beside its heading when it fits there, else below it (at most two lines)."""
    inner_w = WIDTH - 2 * (MARGIN + PAD)
    room = inner_w - text_width(title, SIZE["panel"], True) - 10
    if not note or text_width(note, SIZE["line"]) <= room:
        return True, [note] if note else []
    return False, wrap(note, inner_w, SIZE["line"], max_lines=2)


def _panel(svg: _Svg, title: str, note: str, y: float, attrs: str, body: Callable[[float], float]) -> float:
    """A framed panel at y whose content `body(top)` draws and measures; returns the panel's bottom."""
    beside, notes = _heading(title, note)
    top = y + 32 + (0 if beside else len(notes) * LEAD["line"])
    start = len(svg.out)
    bottom = top + body(top) + PAD
    frame = _Svg()
    frame.out.append(f"<g{attrs}>")
    frame.rect(MARGIN, y, WIDTH - 2 * MARGIN, bottom - y, 9, "#ffffff", "#d0d7de")
    frame.text(MARGIN + PAD, y + 20, title, SIZE["panel"], INK, bold=True)
    for i, line in enumerate(notes):
        if beside:
            frame.text(
                MARGIN + PAD + text_width(title, SIZE["panel"], True) + 10, y + 20, line, SIZE["line"], DIM
            )
        else:
            frame.text(MARGIN + PAD, y + 20 + (i + 1) * LEAD["line"], line, SIZE["line"], DIM)
    svg.out[start:start] = frame.out  # the frame goes under its content
    svg.out.append("</g>")
    return bottom


def render_svg(title: str, subtitle: str, views: list[PipelineView], panels: list[Panel]) -> str:
    svg = _Svg()
    inner_x = MARGIN + PAD
    inner_w = WIDTH - 2 * (MARGIN + PAD)
    svg.text(MARGIN, 28, title, 16, INK, bold=True)
    beside = MARGIN + text_width(title, 16, True) + 10
    if beside + text_width(subtitle, SIZE["line"] + 1) <= WIDTH - MARGIN:
        svg.text(beside, 28, subtitle, SIZE["line"] + 1, DIM)
        y = 44.0
    else:
        svg.text(MARGIN, 44, subtitle, SIZE["line"] + 1, DIM)
        y = 58.0

    for view in views:

        def stages(top: float, view: PipelineView = view) -> float:
            return _stage_svg(svg, view, inner_x, top, inner_w)

        attrs = f' class="panel" data-title="pipeline" data-id="{_esc(view.lid)}"'
        note = " · ".join(t for t, _ in view.lines)
        y = _panel(svg, f"Pipeline {view.title}", note, y, attrs, stages) + 14
        svg.use("devtools")

    for panel in panels:

        def body(top: float, panel: Panel = panel) -> float:
            cy = top
            for i, flow in enumerate(panel.flows):
                if i:  # a hairline between flows
                    svg.out.append(
                        f'<line x1="{_n(inner_x)}" y1="{_n(cy - 9)}" x2="{_n(inner_x + inner_w)}" '
                        f'y2="{_n(cy - 9)}" stroke="#eaeef2" stroke-width="1"/>'
                    )
                cy += _flow_svg(svg, flow, inner_x, cy, inner_w) + 18
            if panel.grid:
                cy += _grid_svg(svg, panel.grid, inner_x, cy, inner_w) + 18
            return cy - top - 18

        y = (
            _panel(svg, panel.title, panel.note, y, f' class="panel" data-title="{_esc(panel.title)}"', body)
            + 14
        )

    # Legend: the colours used, and what a dashed box means; wraps when it runs out of width.
    entries = [
        (PALETTE[s][1], PALETTE[s][0], "", PALETTE[s][2]) for s in sorted(svg.used, key=list(PALETTE).index)
    ]
    entries.append(
        ("#ffffff", DIM, ' stroke-dasharray="3 2"', "dashed: drawn in full above, or not in this template")
    )
    lx, ly = float(MARGIN), y + 4
    for fill, stroke, dash, name in entries:
        if lx + 16 + text_width(name, 9.5) > WIDTH - MARGIN:
            lx, ly = float(MARGIN), ly + 16
        svg.rect(lx, ly, 12, 10, 2, fill, stroke, dash)
        svg.text(lx + 16, ly + 9, name, 9.5, DIM)
        lx += 16 + text_width(name, 9.5) + 14
    height = ly + 22

    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{_n(height)}" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" font-family="{_esc(FONT)}" role="img" '
        f'aria-label="{_esc(title)}"><title>{_esc(title)}: {_esc(subtitle)}</title><defs>'
    )
    for marker, colour, size in (("pa-head", ARROW, 7), ("pa-head-blue", PALETTE["devtools"][0], 6)):
        head += (
            f'<marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="{size}" '
            f'markerHeight="{size}" orient="auto"><path d="M0 1 L10 5 L0 9 z" fill="{colour}"/></marker>'
        )
    head += f'</defs><rect width="{WIDTH}" height="{_n(height)}" fill="#ffffff"/>'
    return head + "\n".join(svg.out) + "</svg>\n"
