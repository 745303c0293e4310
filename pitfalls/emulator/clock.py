"""The emulator's clock: how fast the durations an AWS configuration names pass here.

`PITFALLS_EMULATOR_CLOCK=N` (read by the server process) makes N seconds of a configured duration
take one real second: at 60 (the default, so a course release takes seconds, not minutes), a
canary's 5-minute interval takes 5 s, an alarm's 60-second period 1 s, a CodeBuild project's
60-minute timeout 60 s. At 1, everything runs in real time, as on AWS.

What runs on this clock: CodeDeploy traffic-shift intervals and the wait for a lifecycle hook,
CloudWatch alarm periods, CodeBuild build timeouts. What does not: a Lambda function's Timeout
(seconds that bound a handler's real work) and the real work itself (commands, handlers).
"""

from __future__ import annotations

import os
import threading
import time

CLOCK_ENV = "PITFALLS_EMULATOR_CLOCK"
DEFAULT = 60.0


def speed() -> float:
    """Configured seconds per real second (DEFAULT when unset or not a positive number)."""
    try:
        value = float(os.environ.get(CLOCK_ENV, DEFAULT))
    except ValueError:
        return DEFAULT
    return value if value > 0 else DEFAULT


def real(seconds: float) -> float:
    """Real seconds that `seconds` of configured time take."""
    return seconds / speed()


def sleep(seconds: float, stop: threading.Event | None = None) -> bool:
    """Sleep `seconds` of configured time; True when `stop` was set meanwhile."""
    if stop is None:
        time.sleep(real(seconds))
        return False
    return stop.wait(real(seconds))
