"""The one date the course's judgments are made as of, so nothing the course shows moves with the calendar.

Some judgments depend on the day they are made: a Lambda runtime is supported, deprecated soon,
deprecated or blocked according to dates in the pinned lifecycle data (our `PP05-DEPRECATED-RUNTIME`
and cfn-lint's W2531/E2531/E2533), and jsii supports a Node.js major until a date in its own table.
The notebooks, the exercises and the tests judge as of `COURSE_DATE`, the day the pins were chosen,
so their outputs are the same on any day. `python -m pitfalls check` on a learner's own app judges
as of today (or `--as-of DATE`). What would judge differently today than on the course's date is
listed by `00_start_here`, `python -m pitfalls doctor` and the drift job
(`pitfalls.learner.doctor.what_moved`), so nothing rots silently.

This module imports nothing heavy: checks, tools and the doctor all ask it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

# The day the course's pins were chosen and its committed outputs judged. Moving it is a maintainer's
# decision taken with the pins: re-run `make refresh-outputs` and read what `doctor` lists as moved.
COURSE_DATE = date(2026, 12, 1)

_judging: ContextVar[date | None] = ContextVar("pitfalls_judging_date", default=None)


def judging_date() -> date:
    """The day time-dependent judgments are made as of: the course's date unless `as_of` says otherwise."""
    return _judging.get() or COURSE_DATE


@contextmanager
def as_of(day: date) -> Iterator[date]:
    """Judge as of `day` inside the block (the CLI's `check` uses today; tests pick their day)."""
    token = _judging.set(day)
    try:
        yield day
    finally:
        _judging.reset(token)


def today() -> date:
    """The learner's calendar day (the one place the course reads the clock for a judgment)."""
    return date.today()


def parse_day(text: str) -> date:
    """'today', 'course' or an ISO date (2027-12-01); ValueError with one line for anything else."""
    value = text.strip().lower()
    if value == "today":
        return today()
    if value == "course":
        return COURSE_DATE
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"not a date: {text!r} (write YYYY-MM-DD, 'today' or 'course')")
