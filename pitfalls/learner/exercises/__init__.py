"""The exercise of each scenario, one module per scenario (`eNN_<scenario name>.py`).

Each module registers an `Exercise`: the class the learner writes, the harness it is graded in,
the hints, and the reference solution. Harnesses put the learner's construct into a realistic
stack built from `solutions/`, so the checks see it where it matters.
"""

from __future__ import annotations

import importlib
import pkgutil

for _mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _mod.name.startswith("e") and _mod.name[1:3].isdigit():
        importlib.import_module(f"{__name__}.{_mod.name}")
# The final notebook's capstone: an exercise too, but not a scenario (its file name says so).
importlib.import_module(f"{__name__}.capstone")
