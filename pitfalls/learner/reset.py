"""`python -m pitfalls reset NN`: put a notebook back as the course ships it, keeping the learner's copy.

The original comes from git (`git show REF:notebooks/NN_name.ipynb`, REF = HEAD unless told). The
learner's copy is saved first, with a time stamp, in `notebooks/my-work/`: visible in JupyterLab's
file browser (a dot directory would be hidden), out of git (.gitignore) and out of the tests (the
repository's conftest.py tells pytest and nbval not to collect it). A notebook open in JupyterLab
with a kernel is not reset: JupyterLab would later save its in-memory copy over the original.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pitfalls._env import ROOT

SAVED_DIR_NAME = "my-work"


class ResetError(Exception):
    """Nothing was changed; the message is one line that says what to do."""


@dataclass(frozen=True)
class Result:
    notebook: Path
    saved: Path | None  # the learner's copy, None when there was nothing to keep
    changed: bool  # False: the notebook already was the original


def resolve(name: str, root: Path = ROOT, ref: str = "HEAD") -> Path:
    """`07`, `7`, `07_s3_source_bucket`, `07_s3_source_bucket.ipynb` or a path -> the notebook's path."""
    notebooks = root / "notebooks"
    key = Path(name.strip()).name.removesuffix(".ipynb")
    known = {p.stem for p in notebooks.glob("[0-9][0-9]_*.ipynb")}
    found = _match(key, known)
    if not found:  # deleted from the folder, perhaps: git still has it
        known |= set(_committed_names(root, ref))
        found = _match(key, known)
    if not found:
        numbers = sorted({s[:2] for s in known})
        span = f"{numbers[0]}-{numbers[-1]}" if numbers else "none found"
        raise ResetError(f"no notebook {name!r}: give its number ({span}) or its file name, "
                         "e.g. 07 or 07_s3_source_bucket.ipynb")
    return notebooks / f"{found[0]}.ipynb"


def _match(key: str, names: set[str]) -> list[str]:
    if re.fullmatch(r"\d{1,2}", key):
        return sorted(s for s in names if int(s[:2]) == int(key))
    return [key] if key in names else []


def _committed_names(root: Path, ref: str) -> list[str]:
    try:
        out = _git(root, "ls-tree", "--name-only", f"{ref}:./notebooks").decode()
    except ResetError:
        return []
    return [n.removesuffix(".ipynb") for n in out.split() if re.match(r"\d\d_.*\.ipynb$", n)]


def _git(root: Path, *args: str) -> bytes:
    git = shutil.which("git")
    if git is None:
        raise ResetError("git is not installed, and the original notebook comes from git: install "
                         "git, or download the notebook again from the course's repository")
    r = subprocess.run([git, *args], cwd=root, capture_output=True)
    if r.returncode != 0:
        msg = r.stderr.decode(errors="replace").strip().splitlines()
        raise ResetError(msg[-1].removeprefix("fatal: ") if msg else f"git {args[0]} failed")
    return r.stdout


def original(path: Path, root: Path = ROOT, ref: str = "HEAD") -> bytes:
    """The notebook as committed at `ref`."""
    rel = path.relative_to(root).as_posix()
    try:
        return _git(root, "show", f"{ref}:./{rel}")
    except ResetError as exc:
        why = str(exc)
        if "not a git repository" in why:
            raise ResetError(f"{root} is not a git clone, so there is no original to restore from: "
                             "clone the course with git, or download the notebook again") from None
        if "does not exist in" in why or "exists on disk, but not in" in why:
            raise ResetError(f"{rel} is not in {ref}") from None
        if "invalid object name" in why or "unknown revision" in why or "bad revision" in why:
            raise ResetError(f"no revision {ref!r} in this repository (try HEAD, a branch or a tag)"
                             ) from None
        raise ResetError(f"git could not read {rel} at {ref}: {why}") from None


def same_notebook(a: bytes, b: bytes) -> bool:
    """Equal bytes, or equal JSON (a re-indented or line-ending-converted copy is still unchanged)."""
    if a == b:
        return True
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return False


# --- is it open in JupyterLab? --------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    from jupyter_server.utils import check_pid  # the server listing's own test (safe on Windows)

    try:
        return bool(check_pid(pid))
    except OSError:
        return False


def running_servers(runtime_dir: str | None = None) -> Iterator[dict[str, Any]]:
    """What `jupyter_server.serverapp.list_running_servers()` yields: the `jpserver-*.json` files of
    servers whose process runs. Read here because importing the server application takes 1.7 s,
    and without its side effect (it deletes the files of dead servers, which are not ours)."""
    if runtime_dir is None:
        from jupyter_core.paths import jupyter_runtime_dir

        runtime_dir = jupyter_runtime_dir()
    d = Path(runtime_dir)
    if not d.is_dir():
        return
    for f in sorted(d.iterdir()):
        if not re.match("jpserver-(.+).json", f.name):
            continue
        try:
            info = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being written, or unreadable: as the server's own listing does
        if isinstance(info, dict) and "pid" in info and _pid_alive(int(info["pid"])):
            yield info


def _sessions(info: dict[str, Any], timeout: float = 3.0) -> list[dict[str, Any]]:
    url = str(info.get("url", "")).rstrip("/") + "/api/sessions"
    headers = {"Authorization": f"token {info['token']}"} if info.get("token") else {}
    # A proxy from the environment must not see the token, nor be asked for localhost.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(url, headers=headers), timeout=timeout) as r:
        data = json.loads(r.read().decode())
    return [s for s in data if isinstance(s, dict)] if isinstance(data, list) else []


def open_in(path: Path, runtime_dir: str | None = None) -> str | None:
    """The URL of a Jupyter server that has `path` open with a kernel, or None.

    ResetError when a server that could have it open does not say (password, socket, error).
    """
    target = path.resolve()
    for info in running_servers(runtime_dir):
        root = Path(str(info.get("root_dir") or info.get("notebook_dir") or "/")).expanduser().resolve()
        if not target.is_relative_to(root):
            continue  # this server cannot see the notebook
        url = str(info.get("url", ""))
        try:
            if info.get("sock"):
                raise OSError("it listens on a Unix socket")
            sessions = _sessions(info)
        except (OSError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise ResetError(f"a Jupyter server ({url or info.get('sock')}, pid {info.get('pid')}) serves "
                             f"this folder and did not say which notebooks are open ({reason}): close "
                             f"{path.name} there first, then add --force") from None
        for s in sessions:
            rel = s.get("path") or (s.get("notebook") or {}).get("path")
            if rel and s.get("kernel") and (root / str(rel)).resolve() == target:
                return url or "a Jupyter server"
    return None


# --- the reset --------------------------------------------------------------------------------------


def saved_copy_path(path: Path, when: datetime | None = None) -> Path:
    """`notebooks/my-work/NN_name-YYYYMMDD-HHMMSS.ipynb`, never an existing file."""
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = path.parent / SAVED_DIR_NAME
    dest = folder / f"{path.stem}-{stamp}.ipynb"
    n = 2
    while dest.exists():
        dest = folder / f"{path.stem}-{stamp}-{n}.ipynb"
        n += 1
    return dest


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(OSError):
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def reset(name: str, root: Path | None = None, ref: str = "HEAD", force: bool = False,
          runtime_dir: str | None = None) -> Result:
    """Save the learner's copy, then restore the original. ResetError (nothing changed) when it cannot."""
    root = root or ROOT
    path = resolve(name, root, ref)
    want = original(path, root, ref)
    try:
        current: bytes | None = path.read_bytes()
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise ResetError(f"cannot read {path}: {exc.strerror}") from None
    if current is not None and same_notebook(current, want):
        return Result(path, None, False)
    if not force:
        where = open_in(path, runtime_dir)
        if where:
            raise ResetError(
                f"{path.name} is open in JupyterLab ({where}) with a running kernel, and JupyterLab "
                "would save its copy over the reset: close it first (File > Close and Shut Down "
                "Notebook), then run this again; or add --force")
    saved = None
    try:
        if current is not None:
            saved = saved_copy_path(path)
            saved.parent.mkdir(exist_ok=True)
            with open(saved, "xb") as f:  # "x": never replace a file that is already there
                f.write(current)
            if saved.read_bytes() != current:
                raise OSError(f"the copy in {saved} does not read back the same")
        _write_atomic(path, want)
    except OSError as exc:
        raise ResetError(f"not reset: {exc.strerror or exc}"
                         + (f" (your copy is safe in {saved})" if saved and saved.exists() else "")
                         ) from None
    return Result(path, saved, True)


# --- the learner's state ----------------------------------------------------------------------------

STATE_CACHES = ("cdk-home", "mypy-cache")  # in the state directory; rebuilt when next needed


@dataclass(frozen=True)
class StateReset:
    servers: int  # local AWS servers stopped
    removed: list[str]  # what was removed from the state directory


def reset_state() -> StateReset:
    """Stop every local AWS of this learner (their notebooks' and their own) and remove the caches
    under their state directory. Progress and notebooks are kept."""
    from pitfalls._env import state_dir
    from pitfalls.emulator.process import stop_all

    stopped = stop_all()
    removed = []
    for name in STATE_CACHES:
        path = state_dir() / name
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(name)
    return StateReset(stopped, removed)
