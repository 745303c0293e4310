"""Bounds on what the course reads from files it did not write (templates, learners' progress
files): a size cap, a nesting depth, and YAML aliases that may not multiply the data.

Each breach is a ValueError with a one-line message, raised before the input can take long: a
YAML alias bomb of 1.7 KB would otherwise expand to billions of values, and nesting deeper than
Python's recursion limit would end in a RecursionError traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# CloudFormation accepts a template of at most 1 MB (from S3; 51,200 bytes inline); cdk.out files
# of a large app stay well under this.
MAX_BYTES = 4_000_000
# Real templates nest about 20 deep (a Join in an If in a property of a statement).
MAX_DEPTH = 100
# The values a YAML document may expand to through its aliases, counting each use of an anchor.
MAX_VALUES = 2_000_000


def megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def read_text(path: Path, what: str = "file") -> str:
    """The file's text, refused above MAX_BYTES (before reading it) with a one-line ValueError.
    OSError and UnicodeDecodeError pass through for the caller to word."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"{megabytes(size)}, larger than the {megabytes(MAX_BYTES)} this checker "
                         f"reads (CloudFormation accepts a template of at most 1 MB)"
                         if what == "template" else
                         f"{megabytes(size)}, larger than the {megabytes(MAX_BYTES)} a {what} may be")
    return path.read_text(encoding="utf-8")


def too_deep() -> str:
    return f"nested more than {MAX_DEPTH} levels deep"


def depth_exceeds(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `data` (parsed JSON or YAML) nests deeper than `limit`; iterative, never recursive."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return False


def loads_json(text: str) -> Any:
    """json.loads, with nesting bounded: ValueError (one line) instead of RecursionError.
    json.JSONDecodeError passes through (a ValueError too) for the caller to word."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError(too_deep()) from None
    if depth_exceeds(data):
        raise ValueError(too_deep())
    return data


def check_yaml_events(events: Iterable[Any]) -> None:
    """Walk a YAML event stream (yaml.parse) and raise ValueError when the document nests deeper
    than MAX_DEPTH or would expand, through its aliases, to more than MAX_VALUES values.

    Runs before composing: the event parser keeps its own stack, so nothing here recurses."""
    import yaml

    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values it expands to, its depth)
    # Each open collection: [anchor, the running total when it opened, its depth so far].
    open_nodes: list[list[Any]] = []
    total = 0

    def add(values: int, depth: int) -> None:
        nonlocal total
        total += values
        if total > MAX_VALUES:
            raise ValueError(f"expands to more than {MAX_VALUES:,} values through YAML aliases")
        if depth + len(open_nodes) > MAX_DEPTH:
            raise ValueError(too_deep())
        if open_nodes:
            open_nodes[-1][2] = max(open_nodes[-1][2], depth + 1)

    for event in events:
        if isinstance(event, yaml.AliasEvent):
            add(*sizes.get(event.anchor, (1, 1)))
        elif isinstance(event, yaml.ScalarEvent):
            add(1, 1)
            if event.anchor:
                sizes[event.anchor] = (1, 1)
        elif isinstance(event, yaml.CollectionStartEvent):
            add(1, 1)
            open_nodes.append([event.anchor, total - 1, 1])
        elif isinstance(event, yaml.CollectionEndEvent) and open_nodes:
            anchor, start, depth = open_nodes.pop()
            if open_nodes:
                open_nodes[-1][2] = max(open_nodes[-1][2], depth + 1)
            if anchor:
                sizes[anchor] = (total - start, depth)
