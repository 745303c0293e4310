"""The emulator's clock: how fast the durations an AWS configuration names pass here.

`PITFALLS_EMULATOR_CLOCK=N` (read by the server process) makes N seconds of a configured duration
take one real second: at 60, a canary's 5-minute interval takes 5 s, an alarm's 60-second period
1 s, a CodeBuild project's 15-minute timeout 15 s. Unset (or 1), everything runs in real time.

What runs on this clock: CodeDeploy traffic-shift intervals and the wait for a lifecycle hook,
CloudWatch alarm periods, CodeBuild build timeouts. What does not: a Lambda function's Timeout
(seconds that bound a handler's real work) and the real work itself (commands, handlers).
"""

from __future__ import annotations

import os
import threading
import time

CLOCK_ENV = "PITFALLS_EMULATOR_CLOCK"


def speed() -> float:
    """Configured seconds per real second (1 when unset or not a positive number)."""
    try:
        value = float(os.environ.get(CLOCK_ENV, "1"))
    except ValueError:
        return 1.0
    return value if value > 0 else 1.0


def real(seconds: float) -> float:
    """Real seconds that `seconds` of configured time take."""
    return seconds / speed()


def sleep(seconds: float, stop: threading.Event | None = None) -> bool:
    """Sleep `seconds` of configured time; True when `stop` was set meanwhile."""
    if stop is None:
        time.sleep(real(seconds))
        return False
    return stop.wait(real(seconds))
