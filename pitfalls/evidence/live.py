"""Progress as it comes, for work that takes a while (a deploy, a pipeline run): a display that
shows the latest lines, and named states (a stage and how it stands), while the work runs.

In JupyterLab it is one display, updated in place (throttled); when the work ends it is emptied
and the caller prints the short summary it wants to keep. Outside a notebook kernel (a terminal,
a script) every line is printed as it arrives, and each state when it changes.

The display starts and ends as the same empty placeholder: a notebook run by nbclient keeps the
last update, nbval compares the first display (it ignores updates), and both are the placeholder,
so the committed output does not depend on what the run printed or when.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pitfalls.evidence.render import styled, without_colour


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class _Placeholder:
    """What the display holds before and after the work: nothing to read."""

    def __repr__(self) -> str:
        return ""

    def _repr_html_(self) -> str:
        return ""


class _Snapshot:
    def __init__(self, html_text: str, text: str) -> None:
        self.html_text, self.text = html_text, text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html_text


class LiveProgress:
    """Collects lines (`line`) and states (`state`) and shows them while the work runs."""

    def __init__(self, title: str, *, keep: int = 12, interval: float = 0.3,
                 into: list[str] | None = None, live: bool | None = None) -> None:
        self.title, self.keep, self.interval = title, keep, interval
        self.lines: list[str] = into if into is not None else []
        self.states: dict[str, str] = {}
        self.live = _in_kernel() if live is None else live
        self._handle: Any = None
        self._shown_at = 0.0
        self._started = time.monotonic()

    # --- what the work reports ---------------------------------------------------------------

    def line(self, text: str) -> None:
        self.lines.append(text)
        if self.live:
            self._refresh()
        else:
            print(text, flush=True)

    def state(self, name: str, value: str) -> None:
        if self.states.get(name) == value:
            return
        self.states[name] = value
        if self.live:
            self._refresh(force=True)
        else:
            print(f"{name}: {value}", flush=True)

    __call__ = line  # usable wherever a `say(line)` callback is expected

    # --- the display -------------------------------------------------------------------------

    def open(self) -> LiveProgress:
        if self.live:
            from IPython.display import display

            self._handle = display(_Placeholder(), display_id=True)
        return self

    def close(self) -> None:
        if self._handle is not None:
            self._handle.update(_Placeholder())
            self._handle = None

    def snapshot(self) -> _Snapshot:
        """What the display shows now: the title with the time so far, the states, the last lines."""
        elapsed = time.monotonic() - self._started
        head = f"{self.title}: {len(self.lines)} lines, {elapsed:.0f} s so far"
        tail = [without_colour(ln) for ln in self.lines[-self.keep:]]
        text = "\n".join([head, *(f"{k}: {v}" for k, v in self.states.items()), *tail])
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
                       for k, v in self.states.items())
        body = (f"<div class='pp-h'>{html.escape(head)}</div>"
                + (f"<table class='pp-t'>{rows}</table>" if rows else "")
                + f"<pre class='pp-pre'>{html.escape(chr(10).join(tail))}</pre>")
        return _Snapshot(styled(body), text)

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if self._handle is None or (not force and now - self._shown_at < self.interval):
            return
        self._shown_at = now
        self._handle.update(self.snapshot())


@contextmanager
def live_progress(title: str, **kwargs: Any) -> Iterator[LiveProgress]:
    """`with live_progress("cdk deploy") as say: deploy(..., say=say)`; `say.lines` has it all."""
    view = LiveProgress(title, **kwargs).open()
    try:
        yield view
    finally:
        view.close()
