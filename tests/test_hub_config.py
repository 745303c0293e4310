"""deploy/z2jh-values.yaml: what matters for a room is there, and agrees with what was measured.

The image, the course opened at 00_start_here in the learner's own copy, the memory and CPU
requests and limits equal to the ones scripts/bench_hub.py derived from its measurement
(docs/hub-sizing.json), idle culling, and a persistent volume on the home. Each rule is shown to
flag a broken variant. The chart's own JSON schema is not available offline, so the keys are
checked against the ones the Zero to JupyterHub reference documents.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from bench_hub import sizing  # noqa: E402  (scripts/ is not a package)

VALUES = ROOT / "deploy" / "z2jh-values.yaml"
SIZING = ROOT / "docs" / "hub-sizing.json"
COPY = "pipeline-pitfalls"  # the learner's copy, in their home


def _bytes(quantity: str) -> float:
    units = {"K": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix in sorted(units, key=len, reverse=True):
        if quantity.endswith(suffix):
            return float(quantity[: -len(suffix)]) * units[suffix]
    return float(quantity)


def problems(values: dict[str, Any], measured: dict[str, Any]) -> list[str]:
    """What is wrong with a values file for the course, one line each."""
    out = []
    su = values.get("singleuser", {})
    image = su.get("image", {})
    if not image.get("name") or not isinstance(image.get("tag"), str) or not image["tag"]:
        out.append("singleuser.image needs a name and a quoted tag")
    home = su.get("storage", {}).get("homeMountPath", "/home/jovyan")
    url = str(su.get("defaultUrl", ""))
    opened = url.removeprefix(f"/lab/tree/{COPY}/")
    if not url.startswith(f"/lab/tree/{COPY}/") or opened != "notebooks/00_start_here.ipynb" \
            or not (ROOT / opened).is_file():
        out.append(f"singleuser.defaultUrl must open {COPY}/notebooks/00_start_here.ipynb in lab")
    if su.get("extraEnv", {}).get("PYTHONPATH") != f"{home}/{COPY}":
        out.append("singleuser.extraEnv.PYTHONPATH must be the learner's copy")
    hook = " ".join(su.get("lifecycleHooks", {}).get("postStart", {}).get("exec", {})
                    .get("command", []))
    if f'$HOME/{COPY}' not in hook:
        out.append("singleuser.lifecycleHooks.postStart must make the learner's copy")
    want = measured["sizing"]
    for key, field in (("memory", "guarantee"), ("memory", "limit"), ("cpu", "guarantee"),
                       ("cpu", "limit")):
        got, expected = su.get(key, {}).get(field), want[f"{key}_{field}"]
        if got is None or (_bytes(str(got)) != _bytes(str(expected))):
            out.append(f"singleuser.{key}.{field} is {got}, measured {expected}")
    storage = su.get("storage", {})
    if storage.get("type") != "dynamic" or _bytes(str(storage.get("capacity", "0"))) < 2**30:
        out.append("singleuser.storage must be a dynamic volume of at least 1Gi")
    cull = values.get("cull", {})
    if not cull.get("enabled") or not 0 < int(cull.get("timeout", 0)) <= 4 * 3600 \
            or int(cull.get("every", 0)) <= 0:
        out.append("cull must be enabled, with a timeout of at most 4 hours")
    return out


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return dict(yaml.safe_load(VALUES.read_text()))


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    return dict(json.loads(SIZING.read_text()))


def test_the_values_file_has_what_a_room_needs(values: dict[str, Any],
                                               measured: dict[str, Any]) -> None:
    assert problems(values, measured) == []


def test_the_sizing_follows_from_the_measurement(measured: dict[str, Any]) -> None:
    assert sizing(measured["phases"]) == measured["sizing"]


BROKEN = {
    "no image tag": ("singleuser.image.tag", None),
    "opens the hub's default": ("singleuser.defaultUrl", "/lab"),
    "opens another notebook": ("singleuser.defaultUrl",
                               f"/lab/tree/{COPY}/notebooks/15_full_pipeline.ipynb"),
    "the image's copy on the path": ("singleuser.extraEnv.PYTHONPATH", "/srv/pipeline-pitfalls"),
    "no copy made": ("singleuser.lifecycleHooks", {}),
    "a guessed memory limit": ("singleuser.memory.limit", "1G"),
    "a guessed memory request": ("singleuser.memory.guarantee", "512M"),
    "no CPU limit": ("singleuser.cpu.limit", None),
    "no volume": ("singleuser.storage.type", "none"),
    "no culling": ("cull.enabled", False),
    "culling after a day": ("cull.timeout", 86400),
}


@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_each_rule_flags_a_broken_values_file(values: dict[str, Any], measured: dict[str, Any],
                                              broken: str) -> None:
    path, value = BROKEN[broken]
    bad = copy.deepcopy(values)
    *parents, last = path.split(".")
    node = bad
    for key in parents:
        node = node[key]
    node[last] = value
    assert problems(bad, measured), broken


def test_the_first_start_makes_the_learners_copy_once(values: dict[str, Any],
                                                      tmp_path: Path) -> None:
    """The postStart hook, run as the pod runs it (sh -c), against a stand-in for the image."""
    image = tmp_path / "srv" / COPY
    (image / "notebooks").mkdir(parents=True)
    (image / "notebooks" / "00_start_here.ipynb").write_text("{}")
    (image / "node_modules" / "aws-cdk").mkdir(parents=True)
    home = tmp_path / "home"
    home.mkdir()
    command = values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    script = command[2].replace("/srv/pipeline-pitfalls", str(image))
    env = {**os.environ, "HOME": str(home)}
    subprocess.run(command[:2] + [script], env=env, check=True)
    mine = home / COPY
    assert (mine / "notebooks" / "00_start_here.ipynb").read_text() == "{}"
    assert (mine / "node_modules").is_symlink()
    assert (mine / "node_modules").resolve() == (image / "node_modules").resolve()
    (mine / "notebooks" / "00_start_here.ipynb").write_text("my work")
    subprocess.run(command[:2] + [script], env=env, check=True)  # the next start keeps it
    assert (mine / "notebooks" / "00_start_here.ipynb").read_text() == "my work"
