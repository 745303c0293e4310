"""What a developer uploads to release: the repository as the pipeline builds it, as one zip.

The pipeline's source is the repository (the CDK app at its root, the function in `lambda_src/`),
so a change to the function or to its stack takes the same path. `SourceTree` is a working copy of
the files the pipeline needs, in a temporary folder: change a file, then `archive()` zips it the
way a developer's upload would (fixed dates: the same files give the same bytes).

    tree = SourceTree.from_repository()
    tree.replace("lambda_src/src/index.mjs", "ok: true,", "ok: true, release: 2,")
    aws.s3.put_object(Bucket=bucket, Key="source.zip", Body=tree.archive())

From a terminal, `python -m pitfalls.evidence.release source.zip` writes the repository's
archive, to upload to a real pipeline's source bucket (`aws s3 cp source.zip s3://BUCKET/`).
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

from pitfalls._env import ROOT

# What the pipeline builds from: the CDK app and its configuration, the pinned CLI and libraries,
# the constructs, the function, and the checker the scan runs. Nothing installed, nothing built.
SOURCE_PATHS = ("app.py", "cdk.json", "package.json", "package-lock.json",
                "requirements-build.txt", "pyproject.toml", "scripts/cdk_app.sh",
                "solutions", "lambda_src", "pitfalls")
_SKIP = shutil.ignore_patterns("node_modules", "__pycache__", "*.pyc", "reports", "coverage",
                               "cdk.out", ".pytest_cache")
_DATE = (2026, 1, 1, 0, 0, 0)


class SourceTree:
    """A throwaway copy of the repository's source, to change and to zip."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_repository(cls, root: Path = ROOT) -> SourceTree:
        dest = Path(tempfile.mkdtemp(prefix="pitfalls-source-"))
        for name in SOURCE_PATHS:
            src = root / name
            if src.is_dir():
                shutil.copytree(src, dest / name, ignore=_SKIP)
            elif src.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
        return cls(dest)

    def copy(self) -> SourceTree:
        """Another working copy, to change without touching this one."""
        dest = Path(tempfile.mkdtemp(prefix="pitfalls-source-"))
        shutil.copytree(self.path, dest, dirs_exist_ok=True)
        return SourceTree(dest)

    def replace(self, file: str, old: str, new: str) -> SourceTree:
        """Replace `old` by `new` in one file; ValueError if `old` is not there."""
        path = self.path / file
        text = path.read_text()
        if old not in text:
            raise ValueError(f"{file} does not contain {old!r}")
        path.write_text(text.replace(old, new, 1))
        return self

    def read(self, file: str) -> str:
        return (self.path / file).read_text()

    def archive(self) -> bytes:
        """The tree as a zip, in a stable order with fixed dates."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(p for p in self.path.rglob("*") if p.is_file()):
                info = zipfile.ZipInfo(path.relative_to(self.path).as_posix(), date_time=_DATE)
                info.external_attr = (path.stat().st_mode & 0o777) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, path.read_bytes())
        return out.getvalue()

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """`python -m pitfalls.evidence.release OUT.zip`: the repository's source archive."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].endswith(".zip"):
        print("usage: python -m pitfalls.evidence.release OUT.zip", file=sys.stderr)
        return 2
    tree = SourceTree.from_repository()
    try:
        data = tree.archive()
        Path(args[0]).write_bytes(data)
    except OSError as exc:
        print(f"error: cannot write {args[0]}: {exc.strerror}", file=sys.stderr)
        return 2
    finally:
        tree.remove()
    print(f"wrote {args[0]} ({len(data) // 1024} KiB): upload it as the pipeline's source.zip")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
