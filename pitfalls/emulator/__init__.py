"""The local AWS: moto's server, made strict and complete enough for the course's pipeline.

The emulator runs as a background process on 127.0.0.1 (see `pitfalls.emulator.process`).
Inside it, `pitfalls.emulator.patches` installs our CloudFormation models and a few narrow
patches of moto before the server takes its first request. The real CDK CLI then bootstraps,
deploys and destroys against it (`pitfalls.emulator.deploy`).

Importing this package is cheap: moto and boto3 are only imported by the modules that need them.

    with pitfalls.emulator.running() as endpoint:
        ...  # endpoint == "http://localhost:PORT"
"""

from __future__ import annotations

from pitfalls.emulator.process import (
    EmulatorError,
    Status,
    running,
    start,
    status,
    stop,
)
from pitfalls.emulator.settings import ACCOUNT, FAKE_ACCESS_KEY, FAKE_SECRET_KEY, REGION

__all__ = [
    "ACCOUNT",
    "FAKE_ACCESS_KEY",
    "FAKE_SECRET_KEY",
    "REGION",
    "EmulatorError",
    "Status",
    "running",
    "start",
    "status",
    "stop",
]
