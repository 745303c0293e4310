"""Progress as it comes: in a terminal each line is printed when it arrives; in a notebook one
display is updated while the work runs and ends as the empty placeholder it started as."""

from __future__ import annotations

from typing import Any

import pytest

from pitfalls.evidence.live import LiveProgress, live_progress


def test_terminal_prints_each_line_when_it_arrives(capsys: pytest.CaptureFixture[str]) -> None:
    with live_progress("deploy", live=False) as say:
        say("first")
        assert capsys.readouterr().out == "first\n"  # before the work ends
        say.state("Build", "InProgress")
        say.state("Build", "InProgress")  # unchanged: not repeated
        assert capsys.readouterr().out == "Build: InProgress\n"
    assert say.lines == ["first"]


class FakeHandle:
    def __init__(self) -> None:
        self.shown: list[Any] = []

    def update(self, obj: Any) -> None:
        self.shown.append(obj)


def test_notebook_display_updates_then_empties(monkeypatch: pytest.MonkeyPatch) -> None:
    handle = FakeHandle()
    first: list[Any] = []

    def display(obj: Any, display_id: bool = False) -> FakeHandle:
        first.append(obj)
        return handle

    monkeypatch.setattr("IPython.display.display", display)
    log: list[str] = []
    with live_progress("cdk deploy", into=log, live=True, interval=0) as say:
        for i in range(20):
            say(f"event {i}")
        say.state("Deploy", "Succeeded")
        during = handle.shown[-1]
        assert "event 19" in repr(during) and "event 7" not in repr(during)  # the last 12 lines
        assert "Deploy: Succeeded" in repr(during) and "20 lines" in repr(during)
        assert "text-align:left" in during._repr_html_()
    assert log == [f"event {i}" for i in range(20)]
    # Starts and ends as the same empty placeholder: what nbval and nbclient both keep.
    assert repr(first[0]) == repr(handle.shown[-1]) == "" and handle.shown[-1]._repr_html_() == ""


def test_updates_are_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    handle = FakeHandle()
    monkeypatch.setattr("IPython.display.display", lambda obj, display_id=False: handle)
    view = LiveProgress("x", live=True, interval=60).open()
    for i in range(100):
        view.line(str(i))
    assert len(handle.shown) <= 1


def test_display_drops_terminal_colours() -> None:
    view = LiveProgress("cdk deploy", live=False)
    view.lines.append("\x1b[32mCREATE_COMPLETE\x1b[39m | AWS::S3::Bucket")
    shown = repr(view.snapshot())
    assert "\x1b" not in shown and "CREATE_COMPLETE | AWS::S3::Bucket" in shown
    assert view.lines[0].startswith("\x1b[32m")  # the lines themselves are kept as they came
