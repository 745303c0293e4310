"""Synthesize a corpus pipeline in-process and keep its cloud assembly as a test fixture."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from . import builder, fixture_dir

# What the checker reads of a cloud assembly: templates and manifests (the manifests say each
# stack's environment). Assets, the tree and the validation report are left out.
KEEP = ("*.template.json", "manifest.json")


def synthesize(name: str, broken: str | None, outdir: Path) -> Path:
    """The cdk.out of one corpus pipeline (or a broken variant), written to `outdir`."""
    from pitfalls.evidence.synth import synth_to

    build = builder(name)
    synth_to(lambda app: build(app, broken), outdir, nag=False)
    return outdir


def _manifest_core(manifest: dict) -> dict:  # type: ignore[type-arg]
    """A manifest's stacks and nested assemblies, with the environment and template of each."""
    keep = {}
    for aid, art in (manifest.get("artifacts") or {}).items():
        if art.get("type") in ("aws:cloudformation:stack", "cdk:cloud-assembly"):
            props = art.get("properties") or {}
            keep[aid] = {
                "type": art["type"],
                **({"environment": art["environment"]} if "environment" in art else {}),
                "properties": {k: v for k, v in props.items()
                               if k in ("templateFile", "directoryName", "displayName")},
            }
    return {"version": manifest.get("version"), "artifacts": keep}


def kept_files(outdir: Path) -> dict[str, str]:
    """relative path -> canonical JSON text of each file the fixture keeps."""
    out = {}
    for pattern in KEEP:
        for f in [*outdir.glob(pattern), *outdir.glob(f"assembly-*/{pattern}")]:
            data = json.loads(f.read_text())
            if f.name == "manifest.json":
                data = _manifest_core(data)
            out[f.relative_to(outdir).as_posix()] = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return out


def write_fixture(name: str, broken: str | None = None) -> Path:
    dest = fixture_dir(name, broken)
    with tempfile.TemporaryDirectory(prefix="pitfalls-corpus-") as tmp:
        files = kept_files(synthesize(name, broken, Path(tmp)))
    shutil.rmtree(dest, ignore_errors=True)
    for rel, text in files.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text + "\n")
    return dest
