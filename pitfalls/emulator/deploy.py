"""Deploy and destroy a CDK app with the real CDK CLI, against the local AWS or, when asked, AWS.

    python -m pitfalls deploy [--target local|aws] [--app DIR]
    python -m pitfalls destroy [--target local|aws] [--app DIR]

Local: the emulator is started if none runs, bootstrapped once, and every SDK call of the CLI
goes to it (`AWS_ENDPOINT_URL`), with fake credentials and a fixed region. AWS: only with
`--target aws`, after showing the account and region the credentials point at, and never with
the emulator's fake credentials.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pitfalls import _env
from pitfalls._env import ROOT
from pitfalls.emulator.process import EmulatorError, require, start
from pitfalls.emulator.settings import (
    ACCOUNT,
    BOOTSTRAP_VERSION_PARAMETER,
    FAKE_ACCESS_KEY,
    REGION,
    client_env,
)

CLI = ROOT / "node_modules" / "aws-cdk" / "bin" / "cdk"
# Switch off what reaches the internet or makes output depend on the day: notices, version
# check, telemetry.
QUIET = {"CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "1"}

Say = Callable[[str], None]


def _say(line: str) -> None:
    print(line, flush=True)


@dataclass(frozen=True)
class App:
    """How to hand an app to the CLI: its arguments and the directory to run in."""

    args: list[str]
    cwd: Path


def find_app(app_dir: Path | None) -> App:
    """The app in DIR: a cloud assembly (cdk.out), a cdk.json, or an app.py run by our Python."""
    d = Path(app_dir or ROOT).resolve()
    if not d.is_dir():
        raise EmulatorError(f"--app {d}: not a directory")
    if (d / "manifest.json").exists() and (d / "cdk.out").exists():
        return App(["--app", str(d)], d.parent)
    if (d / "cdk.json").exists():
        return App([], d)
    if (d / "app.py").exists():
        return App(["--app", f'"{sys.executable}" app.py'], d)
    raise EmulatorError(f"--app {d}: no CDK app there (expected cdk.json, app.py or a cdk.out "
                        "directory)")


def cli_command() -> list[str]:
    node = _env.node_executable()
    if not node or not CLI.exists():
        raise EmulatorError("the CDK CLI is not installed; run `make lab` (or "
                            "`python3 scripts/setup.py`) from the repository root")
    return [node, str(CLI)]


def run_cli(args: Sequence[str], env: dict[str, str], cwd: Path, say: Say = _say) -> int:
    """Run the CDK CLI, passing every line of its output on as it comes (progress)."""
    _env.configure()  # jsii (the app's synth) on the pinned Node, quiet banners
    full_env = {**env, **QUIET, **_env.tool_env()}  # its caches are the learner's own
    for key in ("JSII_NODE", "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION",
                "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "PATH"):
        if key in os.environ:
            full_env[key] = os.environ[key]
    proc = subprocess.Popen([*cli_command(), *args, "--no-notices"], cwd=cwd, env=full_env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    assert proc.stdout is not None
    for line in proc.stdout:
        say(line.rstrip("\n"))
    return proc.wait()


# --- local ----------------------------------------------------------------------------------------

def local_env(endpoint: str) -> dict[str, str]:
    """This process's environment, with every AWS setting pointing at the emulator only."""
    return client_env(endpoint)


def bootstrap_version(endpoint: str) -> str | None:
    """The bootstrap version recorded in the emulator, or None when it is not bootstrapped."""
    import boto3  # type: ignore[import-untyped]
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    ssm = boto3.client("ssm", endpoint_url=endpoint, region_name=REGION,
                       aws_access_key_id=FAKE_ACCESS_KEY, aws_secret_access_key="x")
    try:
        return str(ssm.get_parameter(Name=BOOTSTRAP_VERSION_PARAMETER)["Parameter"]["Value"])
    except ClientError:
        return None


def bootstrap_local(endpoint: str, say: Say = _say) -> int:
    if bootstrap_version(endpoint):
        return 0
    say(f"Bootstrapping the local AWS (account {ACCOUNT}, region {REGION})")
    # Outside any app directory: with the environment given, bootstrap needs no app, and in the
    # repository root the CLI would lock its cdk.out against another CLI synthesizing there.
    with tempfile.TemporaryDirectory(prefix="pitfalls-bootstrap-") as cwd:
        return run_cli(["bootstrap", f"aws://{ACCOUNT}/{REGION}"], local_env(endpoint),
                       Path(cwd), say)


def pipeline_stack(context: Sequence[str] = ()) -> str:
    """The stack of the repository's app a person deploys: `PipelinePitfalls-<stage>`, the stage
    from `-c stage=...` or cdk.json's context."""
    import json

    stage = next((c.split("=", 1)[1] for c in context if c.startswith("stage=")), None)
    if stage is None:
        stage = json.loads((ROOT / "cdk.json").read_text()).get("context", {}).get("stage", "dev")
    return f"PipelinePitfalls-{stage}"


def _stack_args(stacks: Sequence[str]) -> list[str]:
    return list(stacks) if stacks else ["--all"]


def _context_args(context: Sequence[str]) -> list[str]:
    out = []
    for item in context:
        if "=" not in item:
            raise EmulatorError(f"-c {item}: expected KEY=VALUE")
        out += ["--context", item]
    return out


def _parameter_args(parameters: Sequence[str]) -> list[str]:
    out = []
    for item in parameters:
        if "=" not in item:
            raise EmulatorError(f"--parameters {item}: expected KEY=VALUE")
        out += ["--parameters", item]
    return out


def deploy_local(app_dir: Path | None = None, stacks: Sequence[str] = (),
                 context: Sequence[str] = (), port: int | None = None,
                 state_dir: Path | None = None, extra: Sequence[str] = (),
                 say: Say = _say, parameters: Sequence[str] = ()) -> int:
    """Start (or reuse) the emulator, bootstrap it once, and `cdk deploy` the app to it."""
    app = find_app(app_dir)
    st = start(port, state_dir)
    say(("Using" if st.reused else "Started") + f" the local AWS at {st.endpoint}")
    code = bootstrap_local(st.endpoint, say)
    if code:
        return code
    return run_cli(["deploy", *app.args, *_stack_args(stacks), *_context_args(context),
                    *_parameter_args(parameters),
                    "--require-approval", "never", "--progress", "events", *extra],
                   local_env(st.endpoint), app.cwd, say)


def destroy_local(app_dir: Path | None = None, stacks: Sequence[str] = (),
                  context: Sequence[str] = (), state_dir: Path | None = None,
                  say: Say = _say) -> int:
    app = find_app(app_dir)
    st = require(state_dir)
    return run_cli(["destroy", *app.args, *_stack_args(stacks), *_context_args(context),
                    "--force"], local_env(st.endpoint), app.cwd, say)


# --- AWS ------------------------------------------------------------------------------------------

def aws_target(say: Say = _say, doing: str = "deploy to AWS") -> tuple[str, str]:
    """Account and region the default credential chain points at; refuses fake credentials."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    env_endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if "localhost" in env_endpoint or "127.0.0.1" in env_endpoint:
        raise EmulatorError(f"AWS_ENDPOINT_URL points at {env_endpoint}; unset it to {doing}")
    try:
        session = boto3.Session()
        creds = session.get_credentials()
    except BotoCoreError as exc:  # e.g. AWS_PROFILE names a profile that does not exist
        raise EmulatorError(f"{exc}; did not {doing}") from None
    if creds is None:
        raise EmulatorError("no AWS credentials found (set up a profile, or AWS_PROFILE); "
                            f"did not {doing}")
    if creds.access_key == FAKE_ACCESS_KEY:
        raise EmulatorError("the only AWS credentials found are the local emulator's fake ones; "
                            f"refusing to {doing} with them")
    region = session.region_name
    if not region:
        raise EmulatorError("no AWS region configured (set AWS_DEFAULT_REGION or a profile region)")
    try:
        account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as exc:
        raise EmulatorError(f"the AWS credentials do not work: {exc}") from None
    return str(account), str(region)


def confirm_aws(account: str, region: str, yes: bool, say: Say = _say) -> None:
    say(f"Target: AWS account {account}, region {region}. This creates real, billable "
        "resources.")
    if yes:
        return
    if not sys.stdin.isatty():
        raise EmulatorError("deploying to AWS needs confirmation: add --yes")
    answer = input(f"Type the account id ({account}) to continue: ").strip()
    if answer != account:
        raise EmulatorError("not confirmed; nothing was deployed")


def _aws_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("AWS_ENDPOINT_URL", None)
    return env


def deploy_aws(app_dir: Path | None = None, stacks: Sequence[str] = (),
               context: Sequence[str] = (), yes: bool = False, bootstrap: bool = False,
               say: Say = _say, parameters: Sequence[str] = ()) -> int:
    app = find_app(app_dir)
    account, region = aws_target(say)
    confirm_aws(account, region, yes, say)
    env = _aws_env()
    if bootstrap:
        code = run_cli(["bootstrap", f"aws://{account}/{region}"], env, ROOT, say)
        if code:
            return code
    return run_cli(["deploy", *app.args, *_stack_args(stacks), *_context_args(context),
                    *_parameter_args(parameters),
                    "--require-approval", "broadening", "--progress", "events"], env, app.cwd,
                   say)


def destroy_aws(app_dir: Path | None = None, stacks: Sequence[str] = (),
                context: Sequence[str] = (), yes: bool = False, say: Say = _say) -> int:
    app = find_app(app_dir)
    account, region = aws_target(say)
    confirm_aws(account, region, yes, say)
    return run_cli(["destroy", *app.args, *_stack_args(stacks), *_context_args(context),
                    "--force"], _aws_env(), app.cwd, say)
