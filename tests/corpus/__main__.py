"""Rewrite the corpus's synthesized assemblies: `python -m tests.corpus [NAME...]`."""

from __future__ import annotations

import sys

from . import cases
from .assembly import write_fixture

if __name__ == "__main__":
    wanted = set(sys.argv[1:])
    for name, broken in cases():
        if not wanted or name in wanted:
            print(write_fixture(name, broken), flush=True)
