#!/usr/bin/env python3
"""Drift watch: does the course still behave the same with the newest aws-cdk-lib, cdk-nag, cfn-lint,
moto and CDK CLI?  For maintainers (`make test-latest`), not for CI.

    python scripts/drift.py probe --out FILE [--scenarios 1,7]   # record what each scenario does here
    python scripts/drift.py compare PINNED LATEST                 # what changed (exit 1: something did)
    python scripts/drift.py latest [--cli aws-cdk@latest]         # the whole run: see `latest` below

A probe runs each scenario notebook's `setup`, `broken` and `fixed` cells (as tests/test_notebooks.py
does) and records, for the `broken` and the `fixed` SynthResult: the scenario's finding ids, whether
any is an error, and a hash of the template (sorted JSON, CDK's version-stamped metadata left out).
`latest` builds a separate environment (.venv-latest/ and a copy of the tree in .latest/ with its
own node_modules, both git-ignored; the main .venv and node_modules are not touched), runs the whole
suite there, probes both environments and compares. It ends, as `doctor` does, with what judges
differently today than as of the course's date (pitfalls/asof.py): the calendar drifts too.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pitfalls import scenarios  # noqa: E402

SCENARIOS = scenarios.numbers()
# What `latest` upgrades; everything else stays at the pins of pyproject.toml.
UPGRADED = ("aws-cdk-lib", "cdk-nag", "cfn-lint", "moto[server]")
VERSIONS = ("aws-cdk-lib", "constructs", "jsii", "cdk-nag", "cfn-lint", "moto", "boto3")
LATEST_VENV = ROOT / ".venv-latest"
LATEST_TREE = ROOT / ".latest"


# --- probe ----------------------------------------------------------------------------------------


def normalized_hash(template: dict[str, Any]) -> str:
    """sha256 of the template as sorted JSON, without what CDK stamps with its own version."""
    t = json.loads(json.dumps(template))
    resources = t.get("Resources", {})
    for lid in [k for k, v in resources.items() if v.get("Type") == "AWS::CDK::Metadata"]:
        del resources[lid]
    if "Conditions" in t:
        t["Conditions"].pop("CDKMetadataAvailable", None)
        if not t["Conditions"]:
            del t["Conditions"]
    return hashlib.sha256(json.dumps(t, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _cells(n: int, *tags: str) -> list[str]:
    cells = json.loads(scenarios.scenario(n).path.read_text())["cells"]
    return [
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code" and set(tags) & set(c.get("metadata", {}).get("tags", []))
    ]


def _summary(result: Any, n: int) -> dict[str, Any]:
    found = result.findings_for(n)
    return {
        "findings": sorted({f.check for f in found}),
        "flagged": bool(found),  # at any severity: a practice (warning) is flagged too
        "template": normalized_hash(result.template),
    }


def probe_scenario(n: int) -> dict[str, Any]:
    """The broken and fixed results of scenario n, or the one-line error that stopped them."""
    import pitfalls  # noqa: F401 (first, as `%load_ext pitfalls.learner.exercise` is: the pinned Node for jsii)

    ns: dict[str, Any] = {"display": lambda *a, **k: None, "__name__": "__notebook__"}
    try:
        for src in _cells(n, "setup", "broken", "fixed"):
            lines = [ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile("\n".join(lines), f"notebook {n:02d}", "exec"), ns)  # noqa: S102
        return {"broken": _summary(ns["broken"], n), "fixed": _summary(ns["fixed"], n)}
    except Exception as exc:  # a newer library may break a cell: that is the drift to report
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return {"error": f"{type(exc).__name__}: {first}"}


def versions() -> dict[str, str]:
    out = {}
    for name in VERSIONS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    lock = ROOT / "node_modules" / "aws-cdk" / "package.json"
    out["aws-cdk (CLI)"] = json.loads(lock.read_text())["version"] if lock.exists() else "not installed"
    return out


def probe(scenarios: list[int]) -> dict[str, Any]:
    return {
        "versions": versions(),
        "scenarios": {f"{n:02d}": probe_scenario(n) for n in scenarios},
    }


# --- compare --------------------------------------------------------------------------------------


class DriftError(Exception):
    """A probe file that cannot be compared (missing, not JSON, not a probe)."""


def load(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DriftError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DriftError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), dict):
        raise DriftError(f"{path}: not a probe file (no 'scenarios'); write one with `drift.py probe`")
    return data


def _diff(label: str, a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    out = []
    added = sorted(set(b["findings"]) - set(a["findings"]))
    gone = sorted(set(a["findings"]) - set(b["findings"]))
    if added or gone:
        parts = [f"+{x}" for x in added] + [f"-{x}" for x in gone]
        out.append(f"{label} findings changed: {', '.join(parts)}")
    if a["template"] != b["template"]:
        out.append(f"{label} template changed")
    return out


def changes(pinned: dict[str, Any], latest: dict[str, Any]) -> dict[str, list[str]]:
    """Per scenario, what the latest probe says differently from the pinned one (empty: nothing)."""
    out: dict[str, list[str]] = {}
    for key in sorted(set(pinned["scenarios"]) | set(latest["scenarios"]), key=int):
        a, b = pinned["scenarios"].get(key), latest["scenarios"].get(key)
        if a is None or b is None:
            out[key] = [f"probed only in the {'latest' if a is None else 'pinned'} environment"]
            continue
        if "error" in a or "error" in b:
            if a.get("error") != b.get("error"):
                out[key] = [f"pinned: {a.get('error', 'ran')}; latest: {b.get('error', 'ran')}"]
            continue
        found: list[str] = []
        if a["broken"]["flagged"] and not b["broken"]["flagged"]:
            found.append("BROKEN CONSTRUCT NO LONGER FLAGGED")
        if not a["fixed"]["findings"] and b["fixed"]["findings"]:
            found.append("FIX NEWLY FLAGGED: " + ", ".join(b["fixed"]["findings"]))
        found += _diff("broken", a["broken"], b["broken"]) + _diff("fixed", a["fixed"], b["fixed"])
        if found:
            out[key] = found
    return out


def report(pinned: dict[str, Any], latest: dict[str, Any]) -> tuple[str, bool]:
    """The comparison as text, and whether any scenario changed behaviour."""
    lines = ["versions (pinned -> latest):"]
    va, vb = pinned.get("versions", {}), latest.get("versions", {})
    for name in sorted(set(va) | set(vb)):
        a, b = va.get(name, "?"), vb.get(name, "?")
        lines.append(f"  {name:<16} {a}" + (f" -> {b}" if a != b else " (same)"))
    found = changes(pinned, latest)
    if not found:
        lines.append(f"no scenario changed behaviour ({len(latest['scenarios'])} probed)")
    for key, items in found.items():
        lines.append(f"scenario {int(key):02d}:")
        lines += [f"  - {item}" for item in items]
    return "\n".join(lines), bool(found)


def calendar_report() -> str:
    """What judges differently today than as of the course's date (the calendar's drift, not the
    libraries'): the same lines as `python -m pitfalls doctor` prints."""
    from pitfalls import asof
    from pitfalls.learner.doctor import moved_text, what_moved

    day = asof.today()
    return moved_text(what_moved(day), day)


# --- latest: the separate environment -------------------------------------------------------------


def _bin(venv: Path, name: str) -> str:
    return str(venv / ("Scripts" if os.name == "nt" else "bin") / name)


def say(msg: str) -> None:
    print(f"[drift] {msg}", flush=True)


def run(cmd: list[str], **kw: Any) -> int:
    return subprocess.run(cmd, **kw).returncode  # noqa: PLW1510 (callers judge the status)


def must(cmd: list[str], **kw: Any) -> None:
    code = run(cmd, **kw)
    if code:
        raise SystemExit(f"[drift] failed (exit {code}): {' '.join(cmd[:5])} ...")


def copy_tree(dest: Path) -> None:
    """The tracked files of the work tree, as they are now, in `dest` (its node_modules kept)."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    dest.mkdir(exist_ok=True)
    for child in dest.iterdir():
        if child.name == "node_modules":
            continue
        shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    for name in filter(None, files):
        src = ROOT / name
        if not src.is_file() or name == "node_modules" or name.startswith("node_modules/"):
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)


def requirements() -> list[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["test"]]


def latest(cli: str, python: str, pytest_args: list[str]) -> int:
    t0 = time.time()
    py = _bin(LATEST_VENV, "python")
    if not Path(py).exists():
        say(f"creating {LATEST_VENV.name}/")
        must([python, "-m", "venv", str(LATEST_VENV)])
    say("installing the pins, then the newest " + ", ".join(UPGRADED))
    pip = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    must([*pip, *requirements()])
    must([*pip, "--upgrade", *UPGRADED])
    say(f"copying the work tree to {LATEST_TREE.name}/")
    copy_tree(LATEST_TREE)
    purelib = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    (Path(purelib) / "pipeline_pitfalls.pth").write_text(str(LATEST_TREE) + "\n")
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(py).parent), os.environ.get("PATH", "")]),
               PYTHONPATH=str(LATEST_TREE))
    say(f"installing the CDK CLI {cli} in {LATEST_TREE.name}/node_modules")
    # --no-save: the copy's package.json and lock keep the pins, so the suite compares against them.
    must([_bin(LATEST_VENV, "npm"), "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error",
          cli], cwd=LATEST_TREE, env=env)

    say("running pytest " + " ".join(pytest_args) + " in the latest environment")
    suite = run([py, "-m", "pytest", *pytest_args], cwd=LATEST_TREE, env=env)
    say(f"pytest exit status in the latest environment: {suite}")

    say("probing both environments")
    pinned_out, latest_out = LATEST_TREE / "drift-pinned.json", LATEST_TREE / "drift-latest.json"
    must([python, str(ROOT / "scripts" / "drift.py"), "probe", "--out", str(pinned_out)],
         cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    must([py, str(LATEST_TREE / "scripts" / "drift.py"), "probe", "--out", str(latest_out)],
         cwd=LATEST_TREE, env=env)
    text, changed = report(load(str(pinned_out)), load(str(latest_out)))
    print(text)
    print(f"pytest in the latest environment: exit {suite}" + (" (all passed)" if suite == 0 else ""))
    print(calendar_report())
    say(f"done in {time.time() - t0:.0f} s")
    return 1 if suite or changed else 0


# --- command line ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("probe", help="record what each scenario does in this environment")
    p.add_argument("--out", required=True, help="where to write the probe (JSON)")
    p.add_argument("--scenarios", help=f"comma-separated numbers (default: {scenarios.span()})")
    c = sub.add_parser("compare", help="what changed between two probes (exit 1: something did)")
    c.add_argument("pinned")
    c.add_argument("latest")
    la = sub.add_parser("latest", help="build .venv-latest and .latest/, run the suite there, compare")
    la.add_argument("--cli", default="aws-cdk@latest", help="npm spec of the CDK CLI (default: %(default)s)")
    la.add_argument("--python", default=sys.executable, help="the pinned environment's python")
    la.add_argument("pytest_args", nargs="*", help="after --: arguments for pytest")
    args = parser.parse_args(argv)

    if args.command == "probe":
        try:
            wanted = [int(x) for x in args.scenarios.split(",")] if args.scenarios else list(SCENARIOS)
        except ValueError:
            parser.error(f"--scenarios takes comma-separated numbers, not {args.scenarios!r}")
        unknown = [n for n in wanted if n not in SCENARIOS]
        if unknown:
            parser.error(f"no scenario {unknown[0]} ({scenarios.span()})")
        t0 = time.perf_counter()
        data = probe(wanted)
        Path(args.out).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        print(f"probed {len(wanted)} scenario(s) in {time.perf_counter() - t0:.1f} s -> {args.out}")
        return 0
    if args.command == "compare":
        try:
            text, changed = report(load(args.pinned), load(args.latest))
        except DriftError as exc:
            print(f"drift: {exc}", file=sys.stderr)
            return 2
        print(text)
        return 1 if changed else 0
    pytest_args = args.pytest_args or [
        "-n", "2", "--dist", "loadfile", "tests", "notebooks", "--nbval",
        "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
    ]
    return latest(args.cli, args.python, pytest_args)


if __name__ == "__main__":
    raise SystemExit(main())
