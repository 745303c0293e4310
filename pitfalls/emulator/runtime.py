"""What runs in the background of the server: the alarm evaluator, and the warm Lambda runtimes
to end when it stops. (The patches that make builds, functions and releases run are in
`patches.PATCH_MODULES`.)"""

from __future__ import annotations


def start() -> None:
    from pitfalls.emulator.services.cloudwatch import alarms

    alarms.start()


def shutdown() -> None:
    from pitfalls.emulator.services.awslambda import runtime

    runtime.shutdown()
