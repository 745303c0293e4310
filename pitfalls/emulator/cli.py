"""Subcommands `emulator start|status|stop`, `deploy`, `verify` and `destroy` of `python -m pitfalls`.

`register(subparsers)` adds them; nothing here imports moto or boto3 until a command runs.
Errors are one line on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def guarded(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from pitfalls.emulator.process import EmulatorError

        try:
            return fn(args)
        except EmulatorError as exc:
            print(f"pitfalls: error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("pitfalls: interrupted", file=sys.stderr)
            return 130

    return run


def _start(args: argparse.Namespace) -> int:
    from pitfalls.emulator import process

    st = process.start(args.port)
    print(("Reusing the local AWS already running" if st.reused else "Started the local AWS")
          + f" (pid {st.pid}).")
    print(st.endpoint)  # the last line is the endpoint, for scripts
    return 0


def _status(args: argparse.Namespace) -> int:
    from pitfalls.emulator import process

    st = process.status()
    print(st)  # names the endpoint when it runs
    return 0 if st.running else 1


def _stop(args: argparse.Namespace) -> int:
    from pitfalls.emulator import process

    print("Stopped the local AWS." if process.stop() else "The local AWS was not running.")
    return 0


def _deploy(args: argparse.Namespace) -> int:
    from pitfalls.emulator import deploy

    app = Path(args.app) if args.app else None
    # The repository's app has two stacks, and a person deploys one: the pipeline's. The
    # application's stack is the pipeline's to deploy (it asks for the package only the
    # pipeline can name).
    stacks = args.stack or ([] if app else [deploy.pipeline_stack(args.context)])
    if args.target == "aws":
        return deploy.deploy_aws(app, stacks, args.context, yes=args.yes,
                                 bootstrap=args.bootstrap, parameters=args.parameters)
    return deploy.deploy_local(app, stacks, args.context, port=args.port,
                               parameters=args.parameters)


def _destroy(args: argparse.Namespace) -> int:
    from pitfalls.emulator import deploy

    app = Path(args.app) if args.app else None
    if args.target == "aws":
        return deploy.destroy_aws(app, args.stack, args.context, yes=args.yes)
    return deploy.destroy_local(app, args.stack, args.context)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port (1-65535): {value}")
    return value


def _target_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", choices=("local", "aws"), default="local",
                   help="local: the emulator (default); aws: the account your credentials "
                        "point at (asks first)")
    p.add_argument("--app", metavar="DIR",
                   help="directory with cdk.json, app.py or a cdk.out (default: repository root)")
    p.add_argument("--stack", action="append", default=[], metavar="NAME",
                   help="only this stack (repeatable). Default: the repository's pipeline stack "
                        "(PipelinePitfalls-<stage>) to deploy, every stack to destroy; with "
                        "--app, every stack")
    p.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE",
                   help="CDK context, e.g. -c stage=prod")
    p.add_argument("--yes", action="store_true", help="with --target aws: do not ask")


def register(subparsers: Any) -> None:
    """Add `emulator`, `deploy` and `destroy` to the `python -m pitfalls` parser."""
    p = subparsers.add_parser("emulator", help="the local AWS: start, status, stop")
    sub = p.add_subparsers(dest="emulator_command", required=True)
    s = sub.add_parser("start", help="start it in the background (prints the endpoint URL)")
    s.add_argument("--port", type=_port, help="port on 127.0.0.1 (default: a free one)")
    s.set_defaults(fn=guarded(_start))
    s = sub.add_parser("status", help="is it running, and where (exit 1 when not)")
    s.set_defaults(fn=guarded(_status))
    s = sub.add_parser("stop", help="stop the one we started")
    s.set_defaults(fn=guarded(_stop))

    p = subparsers.add_parser("deploy", help="cdk bootstrap + deploy, to the local AWS or AWS")
    _target_args(p)
    p.add_argument("--port", type=_port, help="local: start the emulator on this port if none "
                                              "runs")
    p.add_argument("--bootstrap", action="store_true",
                   help="with --target aws: run cdk bootstrap first")
    p.add_argument("--parameters", action="append", default=[], metavar="KEY=VALUE",
                   help="stack parameter, e.g. NotificationEmail=team@example.com (repeatable)")
    p.set_defaults(fn=guarded(_deploy))

    p = subparsers.add_parser("destroy", help="cdk destroy, on the local AWS or AWS")
    _target_args(p)
    p.set_defaults(fn=guarded(_destroy))
