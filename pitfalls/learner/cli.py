"""Subcommands `progress`, `reset` and `doctor` of `python -m pitfalls`: the learner's own tools.

`register(subparsers)` adds them; each imports what it needs only when it runs, so `check` stays fast.
Exit codes: 0 done (doctor: all good), 1 doctor found a problem, 2 an error (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _progress(args: argparse.Namespace) -> int:
    from pitfalls.learner import progress

    if args.mistakes is not None:
        files = [Path(f) for f in args.mistakes] or [progress.progress_file()]
        found, warnings = progress.mistakes(files)
        for w in warnings:
            print(f"pitfalls: {w}", file=sys.stderr)
        if found.files == 0:
            print("pitfalls: error: no readable progress file", file=sys.stderr)
            return 2
        print(json.dumps(found.to_json(), indent=2) if args.format == "json" else found.text())
        return 0
    path = progress.progress_file()
    try:
        entries = progress.load(path)
    except progress.ProgressError as exc:
        print(f"pitfalls: error: {exc}", file=sys.stderr)
        return 2
    print(progress.Progress(entries))
    print(f"Kept in {path}" + ("" if path.exists() else " (not written yet)"))
    return 0


def _reset(args: argparse.Namespace) -> int:
    from pitfalls.learner import reset

    if args.state:
        done = reset.reset_state()
        print(f"Stopped {done.servers} local AWS server(s); removed "
              f"{', '.join(done.removed) or 'no caches'}. Your progress and notebooks are kept.")
        if args.notebook is None:
            return 0
    elif args.notebook is None:
        print("pitfalls: error: name a notebook (e.g. 07), or --state", file=sys.stderr)
        return 2
    try:
        result = reset.reset(args.notebook, ref=args.ref, force=args.force)
    except reset.ResetError as exc:
        print(f"pitfalls: error: {exc}", file=sys.stderr)
        return 2
    name = f"notebooks/{result.notebook.name}"
    if not result.changed:
        print(f"{name} is already as in {args.ref}: nothing to reset, no copy made.")
        return 0
    if result.saved is not None:
        print(f"Saved your copy as notebooks/{reset.SAVED_DIR_NAME}/{result.saved.name}")
    print(f"Restored {name} from {args.ref}.")
    if args.force:
        print("If JupyterLab has it open: File > Reload Notebook from Disk there (or Revert when it "
              "says the file changed on disk); Overwrite would put the old copy back.")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from pitfalls.learner.doctor import doctor

    report = doctor(emulator=not args.no_emulator, aws=args.aws)
    print(report)
    return 0 if report.ok else 1


def _first_last() -> str:
    from pitfalls.scenarios import notebooks

    every = notebooks()
    return f"{every[0].label}-{every[-1].label}"


def register(subparsers: Any) -> None:
    """Add `progress`, `reset` and `doctor` to the `python -m pitfalls` parser."""
    p = subparsers.add_parser("progress", help="which exercises you have passed")
    p.add_argument("--mistakes", nargs="*", metavar="FILE",
                   help="count the failure messages in progress files (default: yours); a "
                        "directory stands for the *.json files in it")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="with --mistakes: text (default) or json")
    p.set_defaults(fn=_progress)

    p = subparsers.add_parser("reset", help="restore a notebook as shipped; your copy is saved first")
    p.add_argument("notebook", nargs="?", help=f"its number ({_first_last()}) or file name, e.g. "
                                               "07 or 07_s3_source_bucket.ipynb")
    p.add_argument("--state", action="store_true",
                   help="stop every local AWS you started (notebooks' included) and clear the "
                        "course's caches; progress and notebooks are kept")
    p.add_argument("--from", dest="ref", default="HEAD", metavar="REF",
                   help="the git revision to restore from (default: HEAD)")
    p.add_argument("--force", action="store_true",
                   help="reset even if it is open in JupyterLab")
    p.set_defaults(fn=_reset)

    p = subparsers.add_parser("doctor", help="check the environment; print a fix for each problem")
    p.add_argument("--no-emulator", action="store_true",
                   help="skip starting the local AWS (saves about 5 s)")
    p.add_argument("--aws", action="store_true",
                   help="also check real-account credentials and the CDK bootstrap (calls AWS)")
    p.set_defaults(fn=_doctor)
