"""Fixed facts of the local AWS: one account, one region, fake credentials nobody could mistake.

The credentials are deliberately not shaped like real ones, so `deploy --target aws` can tell that
the only credentials around are the emulator's and refuse.
"""

from __future__ import annotations

import os

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
FAKE_ACCESS_KEY = "pitfalls-local-emulator"
FAKE_SECRET_KEY = "pitfalls-local-emulator-secret"

# The CDK's default bootstrap qualifier; the SSM parameter below holds the bootstrap version.
QUALIFIER = "hnb659fds"
BOOTSTRAP_VERSION_PARAMETER = f"/cdk-bootstrap/{QUALIFIER}/version"


def endpoint_for(port: int) -> str:
    """The URL clients use. `localhost`, not 127.0.0.1: moto reads bucket names out of the host
    part of a TemplateURL, and `localhost` is the one host name it treats as path-style."""
    return f"http://localhost:{port}"


def client_env(endpoint: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for any AWS SDK (CDK CLI, boto3, AWS CLI) talking to the emulator only.

    Profiles, SSO and instance metadata are switched off so nothing reaches a real account.
    """
    env = dict(os.environ if base is None else base)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "CDK_DEFAULT_ACCOUNT",
                "CDK_DEFAULT_REGION"):
        env.pop(key, None)
    env.update(
        AWS_ACCESS_KEY_ID=FAKE_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=FAKE_SECRET_KEY,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_ENDPOINT_URL=endpoint,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def _seconds(name: str, default: float) -> float:
    try:
        return max(0.1, float(os.environ.get(name, default)))
    except ValueError:
        return default


# Pipelines on the local AWS: how often a polling source (PollForSourceChanges) is checked, and
# how long one action may run before it fails (AWS allows hours; a learner should not wait).
PIPELINE_POLL_SECONDS = _seconds("PITFALLS_EMULATOR_POLL_SECONDS", 3.0)
PIPELINE_ACTION_TIMEOUT_SECONDS = _seconds("PITFALLS_EMULATOR_ACTION_TIMEOUT_SECONDS", 300.0)
# A build's commands do real work, which the compressed clock does not speed up: its
# TimeoutInMinutes (on the clock) never stops it before it has had this many real seconds (nor
# after its timeout in real time). 0: the clock alone.
try:
    BUILD_GRACE_SECONDS = max(0.0, float(os.environ.get("PITFALLS_EMULATOR_BUILD_GRACE_SECONDS",
                                                        120.0)))
except ValueError:
    BUILD_GRACE_SECONDS = 120.0
