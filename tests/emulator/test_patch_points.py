"""Every moto function the emulator replaces is still where, and what, it was in moto 5.2.5.

If this fails after a moto upgrade, read the named function in the new moto, re-check the patch
(its `@replaces` names it; `patches.PATCH_MODULES` lists the modules), then refresh its hash
(`patches.current_hashes()` in a fresh interpreter gives them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pitfalls.emulator import patches

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: this one may have the patches installed by another test.
PROBE = """
import json
from pitfalls.emulator import patches
print(json.dumps({
    "problems": patches.check_patch_points(),
    "targets": [p.target for p in patches.PATCH_POINTS],
    "without_why": [p.target for p in patches.PATCH_POINTS if not p.why],
}))
"""


def test_moto_is_the_pinned_version() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'"moto[server]=={patches.MOTO_VERSION}"' in pyproject


def test_patch_points_did_not_move_and_each_says_why_once() -> None:
    r = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                       env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    assert found["problems"] == [], "moto moved or changed:\n" + "\n".join(found["problems"])
    assert len(found["targets"]) == len(set(found["targets"])), "a target is patched twice"
    assert found["without_why"] == []
