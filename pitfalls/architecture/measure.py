"""Text metrics: DejaVu Sans advance widths (per 1000 em), the widest common fallback font, so
text measured here fits in Helvetica, Arial, Segoe UI and SF too; and wrapping to a width."""

from __future__ import annotations

_REGULAR = (
    "318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 636 636 636 "
    "636 337 337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 557 863 748 787 603 787 "
    "695 635 611 732 684 989 685 611 685 390 337 390 838 500 500 613 635 550 635 615 352 635 634 278 278 "
    "579 278 974 634 612 635 635 411 521 392 634 592 818 592 592 525 636 337 636 838"
)
_BOLD = (
    "348 456 521 838 696 1002 872 306 457 457 523 838 380 415 380 365 696 696 696 696 696 696 696 696 696 "
    "696 400 400 838 838 838 580 1000 774 762 734 830 683 683 821 837 372 372 775 637 995 837 850 733 850 "
    "770 720 682 812 774 1103 771 724 725 457 365 457 838 500 500 675 716 593 716 678 435 716 712 343 343 "
    "665 343 1042 712 687 716 716 493 595 478 712 652 924 645 652 582 712 365 712 838"
)
_WIDTHS = {False: [int(w) for w in _REGULAR.split()], True: [int(w) for w in _BOLD.split()]}
_SPECIAL = {"\u00a0": 318, "·": 318, "→": 838, "≥": 838, "≤": 838, "…": 1000}
FONT = "'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of `text` in px at `size` px, measured with the widest common sans-serif font."""
    table = _WIDTHS[bold]
    total = 0
    for ch in text:
        code = ord(ch)
        total += table[code - 32] if 32 <= code < 127 else _SPECIAL.get(ch, 1000)
    return total * size / 1000


_BREAK_AFTER = "/ -.,:_"


def wrap(text: str, width: float, size: float, bold: bool = False, max_lines: int = 2) -> list[str]:
    """`text` in lines no wider than `width`, broken after / - . , : or a space where possible;
    the last line ends with an ellipsis when the text needs more than `max_lines`."""
    lines: list[str] = []
    rest = text.strip()
    while rest:
        if text_width(rest, size, bold) <= width:
            lines.append(rest)
            break
        fit = 1
        while fit < len(rest) and text_width(rest[: fit + 1], size, bold) <= width:
            fit += 1
        # Words stay whole where that costs little; a path breaks after a slash.
        cut = max((i + 1 for i in range(fit) if rest[i] == " "), default=0)
        if cut < fit * 0.5:
            cut = max((i + 1 for i in range(fit) if rest[i] in _BREAK_AFTER), default=0)
        if cut < fit * 0.4:
            # No break point worth taking: break inside the word, at a case change if one is near.
            camel = [i for i in range(max(1, fit - 8), fit) if rest[i].isupper() and rest[i - 1].islower()]
            cut = camel[-1] if camel else fit
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", size, bold) > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip() + "…"]
    return lines or [""]
