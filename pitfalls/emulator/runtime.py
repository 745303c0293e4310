"""What runs in the background of the server: the alarm evaluator, the poller of pipeline
sources, and the warm Lambda runtimes to end when it stops. (The patches that make builds,
functions and releases run are in `patches.PATCH_MODULES`.)"""

from __future__ import annotations


def start() -> None:
    from pitfalls.emulator.services.cloudwatch import alarms
    from pitfalls.emulator.services.codepipeline.patches import start_poller

    alarms.start()
    start_poller()


def shutdown() -> None:
    from pitfalls.emulator.services.awslambda import runtime

    runtime.shutdown()
