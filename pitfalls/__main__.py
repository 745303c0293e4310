"""`python -m pitfalls`: the course's command line, with whichever `python` runs it.

Run by another Python than the project's .venv (the system's, an unactivated shell), it re-executes
itself with .venv/bin/python, so the README's commands work whether or not the environment is
activated. Until then only the standard library is used: the other Python may have none of the
course's packages.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _in_project_venv() -> bool:
    try:
        return Path(sys.prefix).resolve() == VENV.resolve()
    except OSError:
        return False


def _reexec() -> None:
    """Run the same command with the project's Python when this is not it and it exists."""
    if VENV_PYTHON.exists() and not _in_project_venv() and not os.environ.get("PITFALLS_NO_REEXEC"):
        # Set once: a venv that is somehow not itself (a broken symlink) cannot loop.
        os.environ["PITFALLS_NO_REEXEC"] = "1"
        args = [str(VENV_PYTHON), "-m", "pitfalls", *sys.argv[1:]]
        if os.name == "nt":  # no exec on Windows: run it and pass its exit code on
            import subprocess

            raise SystemExit(subprocess.call(args))
        os.execv(args[0], args)


def _run() -> int:
    _reexec()
    try:
        from pitfalls.cli import main

        code = main()
        sys.stdout.flush()
    except ModuleNotFoundError as exc:  # a Python without the course's packages, and no .venv yet
        print(f"pitfalls: error: this Python lacks the course's packages ({exc}); run `make lab` "
              "(or `make setup`) in the repository first, then this command again", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`... | head -1`): nothing more to say, and nothing to say it to.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("pitfalls: interrupted", file=sys.stderr)
        return 130
    return code


raise SystemExit(_run())
