"""The learner's progress through the exercises, kept in a plain JSON file the learner owns.

Default file: `<repository>/.pitfalls/progress.json` (gitignored; the learner's state directory,
`pitfalls._env.state_dir`); `PITFALLS_PROGRESS_FILE` moves it.
Per scenario it keeps: passed (and when first), how many times the exercise was graded, and the
one-line messages of the last failed attempt, which `mistakes()` counts across learners' files.

Recording never breaks grading: a file that cannot be read or written costs one warning line.
A file that is not ours to parse is set aside under a new name, never overwritten.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pitfalls import limits
from pitfalls._env import state_dir
from pitfalls.evidence.render import styled_html

ENV_VAR = "PITFALLS_PROGRESS_FILE"
FORMAT = 1
MAX_MESSAGE = 300  # characters of one failure line kept; a learner's file stays small


class ProgressError(Exception):
    """The progress file cannot be used; the message is one line."""


class CorruptProgress(ProgressError):
    """The file exists and was read, but it is not a progress file."""


def progress_file() -> Path:
    """Where progress is kept: $PITFALLS_PROGRESS_FILE, else `progress.json` in the learner's state
    directory (`.pitfalls/` in their copy of the repository: `pitfalls._env.state_dir`)."""
    return Path(os.environ.get(ENV_VAR) or state_dir() / "progress.json")


@contextlib.contextmanager
def scratch(name: str = "progress") -> Iterator[Path]:
    """For the block, record progress in a fresh temporary file, not the learner's.

    For maintainers' notebook runs (refresh, bench): a kernel started inside inherits it, so the
    exercise cells' attempts stay out of the real file and every notebook starts from none.
    """
    old = os.environ.get(ENV_VAR)
    with tempfile.TemporaryDirectory(prefix="pitfalls-progress-") as d:
        os.environ[ENV_VAR] = str(Path(d) / f"{name}.json")
        try:
            yield Path(os.environ[ENV_VAR])
        finally:
            if old is None:
                os.environ.pop(ENV_VAR, None)
            else:
                os.environ[ENV_VAR] = old


def exercises() -> dict[int, str]:
    """Exercise number -> notebook name (without .ipynb), from the scenario registry: every
    scenario's, and the final notebook's capstone."""
    from pitfalls.scenarios import final, scenarios

    return {**{s.number: s.stem for s in scenarios()}, final().number: final().stem}


@dataclass
class Entry:
    """One scenario's record."""

    passed: bool = False
    first_passed: str = ""  # ISO 8601, UTC
    attempts: int = 0
    last_attempt: str = ""
    last_failure: list[str] = field(default_factory=list)  # one line per finding or error
    last_failure_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def _entry(raw: object) -> Entry:
    if not isinstance(raw, dict):
        raise ValueError("an entry is not an object")
    e = Entry()
    for key, default in Entry().__dict__.items():
        value = raw.get(key, default)
        if key == "last_failure":
            if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
                raise ValueError(f"{key} is not a list of strings")
        elif type(value) is not type(default):
            raise ValueError(f"{key} is not a {type(default).__name__}")
        setattr(e, key, value)
    return e


def parse(text: str) -> dict[int, Entry]:
    """The entries of a progress file's text; ValueError (one line) when it is not one."""
    try:
        data = limits.loads_json(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), dict):
        raise ValueError('not a progress file (no "scenarios" object)')
    out = {}
    for key, raw in data["scenarios"].items():
        if not (isinstance(key, str) and key.isdigit()):
            raise ValueError(f"scenario key {key!r} is not a number")
        try:
            out[int(key)] = _entry(raw)
        except ValueError as exc:
            raise ValueError(f"scenario {key}: {exc}") from None
    return out


def dumps(entries: dict[int, Entry]) -> str:
    scenarios = {f"{n:02d}": entries[n].to_json() for n in sorted(entries)}
    return json.dumps({"format": FORMAT, "scenarios": scenarios}, indent=2) + "\n"


def load(path: Path | None = None) -> dict[int, Entry]:
    """The entries in the file; {} when there is none yet; ProgressError when it is unreadable."""
    path = path or progress_file()
    try:
        text = limits.read_text(path, "progress file")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgressError(f"cannot read {path}: {_reason(exc)}") from None
    except ValueError as exc:  # over the size cap
        raise CorruptProgress(f"{path} is {exc}") from None
    try:
        return parse(text)
    except ValueError as exc:
        raise CorruptProgress(f"{path} is {exc}") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Two kernels grading at once must not lose each other's update (read-modify-write)."""
    try:
        import fcntl
    except ImportError:  # native Windows: no advisory locks; os.replace still keeps the file whole
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def record(scenario: int, passed: bool, failure: Iterable[str] = (), path: Path | None = None
           ) -> list[str]:
    """Add one graded attempt; returns warnings (one line each). Raises ProgressError if not saved."""
    path = path or progress_file()
    warnings: list[str] = []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            try:
                entries = load(path)
            except CorruptProgress as exc:
                # Not ours to overwrite: the learner may want what is in it.
                kept = path.with_name(f"{path.name}.unreadable-{_stamp()}")
                os.replace(path, kept)
                warnings.append(f"{exc}; kept it as {kept.name} and started a new one")
                entries = {}
            e = entries.setdefault(scenario, Entry())
            now = _now()
            e.attempts += 1
            e.last_attempt = now
            if passed:
                if not e.passed:
                    e.passed, e.first_passed = True, now
            else:
                e.last_failure = [_one_line(m) for m in failure] or ["(no message)"]
                e.last_failure_at = now
            write_atomic(path, dumps(entries))
    except OSError as exc:
        raise ProgressError(f"cannot write {path}: {_reason(exc)}") from None
    return warnings


def _one_line(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"


# --- showing it --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    scenario: int
    notebook: str
    entry: Entry | None

    @property
    def status(self) -> str:
        e = self.entry
        if e is None or e.attempts == 0:
            return "not attempted"
        if e.passed:
            return f"passed {e.first_passed[:10]}"
        return "not yet"


class Progress:
    """The progress table, as text (terminal, nbval) and HTML (notebook)."""

    def __init__(self, entries: dict[int, Entry], names: dict[int, str] | None = None) -> None:
        names = names if names is not None else exercises()
        self.rows = [Row(n, names[n], entries.get(n)) for n in sorted(names)]

    @property
    def passed(self) -> int:
        return sum(1 for r in self.rows if r.entry is not None and r.entry.passed)

    def summary(self) -> str:
        return f"{self.passed} of {len(self.rows)} passed."

    def __repr__(self) -> str:
        lines = [f"{'#':<4}{'notebook':<34}{'status':<20}{'attempts':>8}"]
        for r in self.rows:
            attempts = r.entry.attempts if r.entry else 0
            lines.append(f"{r.scenario:02d}  {r.notebook:<34}{r.status:<20}{attempts:>8}")
        lines.append(self.summary())
        return "\n".join(lines)

    @styled_html
    def _repr_html_(self) -> str:
        import html

        cells = []
        for r in self.rows:
            cls = "pp-ok" if r.entry and r.entry.passed else ("pp-warning" if r.entry else "pp-info")
            attempts = r.entry.attempts if r.entry else 0
            link = f"<a href='{html.escape(r.notebook)}.ipynb'>{html.escape(r.notebook)}</a>"
            cells.append(f"<tr><td>{r.scenario:02d}</td><td>{link}</td>"
                         f"<td class='{cls}'>{html.escape(r.status)}</td><td>{attempts}</td></tr>")
        return ("<table class='pp-t'><tr><th>#</th><th>notebook</th><th>status</th>"
                "<th>attempts</th></tr>" + "".join(cells) + "</table>"
                f"<div class='pp-h'>{html.escape(self.summary())}</div>")


def show_progress(path: Path | None = None) -> Progress:
    """The learner's progress (for 00_start_here); an unreadable file shows as empty, with a warning."""
    try:
        entries = load(path)
    except ProgressError as exc:
        print(f"Progress: {exc}", file=sys.stderr)
        entries = {}
    return Progress(entries)


# --- what learners get wrong (for instructors) -------------------------------------------------

_CELL_LINE = re.compile(r" \(line \d+ of your cell\)")


@dataclass
class Mistakes:
    """How many learners' last failed attempt of each exercise said each line."""

    files: int = 0
    counts: Counter[tuple[int, str]] = field(default_factory=Counter)
    failed: Counter[int] = field(default_factory=Counter)  # learners with a failure, per scenario

    def add(self, entries: dict[int, Entry]) -> None:
        self.files += 1
        for n, e in entries.items():
            if e.last_failure:
                self.failed[n] += 1
            # Once per learner: the instructor asks how many people hit it, not how often.
            for line in {_CELL_LINE.sub("", m) for m in e.last_failure}:
                self.counts[(n, line)] += 1

    def text(self, names: dict[int, str] | None = None) -> str:
        names = names if names is not None else exercises()
        out = [f"Failure messages in {self.files} progress file(s), each counted once per learner "
               "(their last failed attempt):"]
        if not self.counts:
            out.append("no failed attempts recorded.")
        for n in sorted(self.failed):
            out.append(f"{n:02d} {names.get(n, '?')}: {self.failed[n]} learner(s) failed at least once")
            out += [f"  {c:>4}  {m}" for c, m in self.lines(n)]
        return "\n".join(out)

    def lines(self, scenario: int) -> list[tuple[int, str]]:
        """(learners, message) of one scenario, most frequent first."""
        rows = [(c, m) for (s, m), c in self.counts.items() if s == scenario]
        return sorted(rows, key=lambda x: (-x[0], x[1]))

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "scenarios": {
                f"{n:02d}": {
                    "learners_failed": self.failed[n],
                    "messages": [{"count": c, "message": m} for c, m in self.lines(n)],
                }
                for n in sorted(self.failed)
            },
        }


def progress_files(paths: Iterable[Path]) -> list[Path]:
    """Files given, with a directory standing for the *.json files directly in it."""
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(p.glob("*.json")) if p.is_dir() else [p])
    return out


def mistakes(paths: Iterable[Path]) -> tuple[Mistakes, list[str]]:
    """Count the failure lines of several learners' files; unreadable files become warnings."""
    m, warnings = Mistakes(), []
    for p in progress_files(paths):
        try:
            if not p.exists():
                raise ProgressError(f"{p}: no such file")
            m.add(load(p))
        except ProgressError as exc:
            warnings.append(f"skipped: {exc}")
    return m, warnings
