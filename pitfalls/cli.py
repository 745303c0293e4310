"""Command line: `python -m pitfalls check PATH` and friends (progress, reset, doctor, emulator).

Exit codes of `check`: 0 no findings, 1 findings, 2 bad input (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pitfalls import scenarios


def _check(args: argparse.Namespace) -> int:
    from pitfalls.asof import as_of, parse_day
    from pitfalls.checks import check_path
    from pitfalls.checks.sarif import not_judged_text, sarif_log
    from pitfalls.templates import InputError

    try:
        day = parse_day(args.as_of)
    except ValueError as exc:
        print(f"pitfalls: error: --as-of: {exc}", file=sys.stderr)
        return 2
    try:
        with as_of(day):  # a learner's own app is judged as of today unless told otherwise
            report = check_path(Path(args.path), cfn_lint=args.cfn_lint)
    except InputError as exc:
        print(f"pitfalls: error: {exc}", file=sys.stderr)
        return 2
    if args.scenario is not None:
        report.findings = [f for f in report.findings if f.scenario == args.scenario]
    notes = [not_judged_text(name, ids) for name, ids in report.not_judged.items()]
    if args.format == "json":
        print(json.dumps([f.to_json() for f in report.findings], indent=2))
    elif args.format == "sarif":
        print(json.dumps(sarif_log(report), indent=2))
    else:
        from pitfalls.checks.findings import findings_text

        print(findings_text(report.findings))
        for note in notes:
            print(f"Note: {note}")
        print(f"Judged as of {day.isoformat()}.")
    if args.format != "text":
        for note in notes:  # stdout is the document; the notes go beside it
            print(f"pitfalls: note: {note}", file=sys.stderr)
    return 1 if report.findings else 0


def _list_checks(args: argparse.Namespace) -> int:
    from pitfalls.checks import SEVERITY_MEANING, all_checks

    for severity, meaning in SEVERITY_MEANING.items():
        print(f"{severity:<7}  {meaning}")
    print()
    for c in all_checks():
        if args.scenario is None or c.scenario == args.scenario:
            print(f"{c.id:<30} scenario {c.scenario:>2}  {c.severity:<7}  {c.requirement}")
            if args.sources:
                print(f"{'':<30} {c.source_url}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    """Read a deployed stack back: every resource against its template, and the taught properties."""
    from pitfalls.emulator import deploy, process
    from pitfalls.emulator.verify import Clients, verify_stack
    from pitfalls.evidence.readback import taught_properties

    if args.target == "aws":
        deploy.aws_target(doing="read AWS")  # refuses missing or fake credentials, in one line
        clients = Clients.for_aws()
    else:
        clients = Clients(process.require().endpoint)
    try:
        report = verify_stack(clients, args.stack)
        facts = taught_properties(clients, args.stack)
    except clients.cloudformation.exceptions.ClientError as exc:
        raise process.EmulatorError(f"stack {args.stack}: {exc}") from None
    print(facts)
    print(f"{len(report.checked)} resources read back; {len(report.problems)} differ from the "
          "template")
    for problem in report.problems:
        print("  -", problem)
    return 1 if report.problems else 0


def _cdk(args: argparse.Namespace) -> int:
    """The pinned CDK CLI on the pinned Node, in this directory: `npx cdk ...` without needing
    Node on PATH or an activated environment."""
    import os
    import subprocess

    from pitfalls import _env
    from pitfalls.emulator.deploy import cli_command

    _env.configure()  # PATH gains the venv's bin and Node's: cdk.json's app finds its Python
    try:
        return subprocess.call([*cli_command(), *args.cdk_args], env=os.environ)
    except KeyboardInterrupt:
        return 130


def build_parser(*, checker_only: bool = False) -> argparse.ArgumentParser:
    """The command line; `checker_only` leaves out the commands that `check` and `checks` do not
    need (the emulator's and the learner's), whose imports would double the checker's start-up."""
    parser = argparse.ArgumentParser(prog="python -m pitfalls", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="check a template or a cdk.out directory")
    p.add_argument("path", help="a .json/.yaml/.yml template or a cdk.out directory")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="sarif: SARIF 2.1.0 for code-scanning dashboards")
    p.add_argument("--scenario", type=int, choices=scenarios.numbers(), metavar="N",
                   help=f"only findings of scenario N ({scenarios.span()})")
    p.add_argument("--cfn-lint", action="store_true",
                   help="also run cfn-lint (adds about 1.5 s)")
    p.add_argument("--as-of", default="today", metavar="DATE",
                   help="judge runtime deprecations as of DATE (YYYY-MM-DD, 'today' or 'course'; "
                        "default: today)")
    p.set_defaults(fn=_check)

    p = sub.add_parser("checks", help="list our checks, with what each severity means")
    p.add_argument("--sources", action="store_true", help="also print each check's primary source")
    p.add_argument("--scenario", type=int, choices=scenarios.numbers(), metavar="N",
                   help=f"only the checks of scenario N ({scenarios.span()})")
    p.set_defaults(fn=_list_checks)
    if checker_only:
        return parser

    from pitfalls.emulator.cli import guarded  # no moto/boto3 at import
    from pitfalls.emulator.cli import register as register_emulator

    register_emulator(sub)
    p = sub.add_parser(
        "verify", help="read a deployed stack back through the service APIs (exit 1 on a "
                       "difference from its template)")
    p.add_argument("--target", choices=("local", "aws"), default="local")
    p.add_argument("--stack", default="PipelinePitfalls-dev",
                   help="stack name (default: PipelinePitfalls-dev)")
    p.set_defaults(fn=guarded(_verify))

    p = sub.add_parser("cdk", help="the course's pinned CDK CLI, e.g. `python -m pitfalls cdk synth` "
                                   "(what `npx cdk synth` does, without Node on PATH)")
    p.add_argument("cdk_args", nargs=argparse.REMAINDER, help="arguments for the CDK CLI")
    p.set_defaults(fn=guarded(_cdk))

    from pitfalls.learner.cli import register as register_learner  # progress, reset, doctor

    register_learner(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    parser = build_parser(checker_only=bool(args_in) and args_in[0] in ("check", "checks"))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its one-line usage error
        return 2 if exc.code not in (0, None) else 0
    return int(args.fn(args))
