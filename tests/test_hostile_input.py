"""Input that could hurt `python -m pitfalls`: every one is refused in one line, exit code 2, no
traceback, and quickly (the limits act before the input can take long)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pitfalls import limits
from pitfalls.templates import InputError, load_path
from tests.hostile_inputs import HOSTILE, write

ROOT = Path(__file__).resolve().parent.parent

EXPECTED = {
    "alias-bomb": "expands to more than 2,000,000 values through YAML aliases",
    "deep-json": "nested more than 100 levels deep",
    "deep-yaml-flow": "nested more than 100 levels deep",
    "deep-yaml-block": "nested more than 100 levels deep",
    "huge-yaml": ("9.2 MB, larger than the 4.0 MB this checker reads (CloudFormation accepts a "
                  "template of at most 1 MB)"),
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # The timeout only guards against a hang; the speed itself is asserted in-process below.
    return subprocess.run([sys.executable, "-m", "pitfalls", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=60, env={**os.environ, "PITFALLS_NO_REEXEC": "1"})


@pytest.mark.parametrize("kind", HOSTILE)
def test_check_refuses_in_one_line(kind: str, tmp_path: Path) -> None:
    path = HOSTILE[kind](tmp_path)
    r = run("check", str(path))
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr == f"pitfalls: error: {path}: {EXPECTED[kind]}\n"


@pytest.mark.parametrize("kind", HOSTILE)
def test_refused_within_two_seconds(kind: str, tmp_path: Path) -> None:
    path = HOSTILE[kind](tmp_path)
    t0 = time.perf_counter()
    with pytest.raises(InputError):
        load_path(path)
    assert time.perf_counter() - t0 < 2.0


def test_a_real_template_under_the_cap_still_loads(tmp_path: Path) -> None:
    """The limits leave real templates alone: aliases used sparingly, normal nesting."""
    path = write(tmp_path, "ok.yaml", "Tags: &tags [{Key: Project, Value: p}]\nResources:\n"
                  "  A: {Type: AWS::S3::Bucket, Properties: {Tags: *tags}}\n"
                  "  B: {Type: AWS::S3::Bucket, Properties: {Tags: *tags}}\n")
    (t,), _ = load_path(path)
    assert t.props("B")["Tags"] == [{"Key": "Project", "Value": "p"}]


def test_checks_into_a_closed_pipe() -> None:
    """`python -m pitfalls checks | head -1`: the reader leaves early, no BrokenPipeError trace."""
    cmd = f"'{sys.executable}' -m pitfalls checks | head -1"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, cwd=ROOT,
                       timeout=60, env={**os.environ, "PITFALLS_NO_REEXEC": "1"})
    assert r.stdout.startswith("error    ") and r.stdout.count("\n") == 1  # the severity legend comes first
    assert "Traceback" not in r.stderr and "Error" not in r.stderr, r.stderr


@pytest.mark.parametrize("body", ['{"scenarios": ' + "[" * 100_000 + "]" * 100_000 + "}",
                                  '{"scenarios": {"07": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}}"],
                         ids=["deep-list", "deep-object"])
def test_mistakes_on_a_nested_file(body: str, tmp_path: Path) -> None:
    path = write(tmp_path, "learner.json", body)
    r = run("progress", "--mistakes", str(path))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert f"skipped: {path} is nested more than 100 levels deep" in r.stderr
    assert r.stderr.splitlines()[-1] == "pitfalls: error: no readable progress file"


def test_oversized_progress_file(tmp_path: Path) -> None:
    path = write(tmp_path, "big.json", json.dumps({"scenarios": {}, "pad": "x" * (limits.MAX_BYTES + 1)}))
    r = run("progress", "--mistakes", str(path))
    assert r.returncode == 2 and "larger than the 4.0 MB a progress file may be" in r.stderr, r.stderr
