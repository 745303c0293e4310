"""`python -m pitfalls reset NN`: the learner's copy is saved first (byte for byte), the original comes
back from git, and nothing happens when it cannot be done safely (open in JupyterLab, no git)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from pitfalls import cli
from pitfalls.learner import reset
from pitfalls.learner.reset import ResetError

ORIGINAL = {"cells": [{"cell_type": "code", "source": [], "metadata": {}, "outputs": [],
                       "execution_count": None}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _nb(source: str) -> bytes:
    nb = json.loads(json.dumps(ORIGINAL))
    nb["cells"][0]["source"] = [source]
    return (json.dumps(nb, indent=1) + "\n").encode()


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=root,
                   check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A small clone of the course: two committed notebooks."""
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    (root / "notebooks" / "00_start_here.ipynb").write_bytes(_nb("print('start')"))
    (root / "notebooks" / "07_s3_source_bucket.ipynb").write_bytes(_nb("%%exercise 7\n# starter"))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "course")
    return root


@pytest.fixture
def no_servers(tmp_path: Path) -> str:
    d = tmp_path / "runtime"
    d.mkdir()
    return str(d)


def nb07(root: Path) -> Path:
    return root / "notebooks" / "07_s3_source_bucket.ipynb"


def test_reset_saves_the_learners_copy_then_restores(repo: Path, no_servers: str) -> None:
    mine = _nb("%%exercise 7\nclass SourceBucket(Construct):  # an hour of my work")
    nb07(repo).write_bytes(mine)
    result = reset.reset("07", root=repo, runtime_dir=no_servers)
    assert result.changed and result.saved is not None
    assert result.saved.parent == repo / "notebooks" / "my-work"
    assert re.fullmatch(r"07_s3_source_bucket-\d{8}-\d{6}\.ipynb", result.saved.name)
    assert result.saved.read_bytes() == mine  # the learner's work, byte for byte
    assert nb07(repo).read_bytes() == _nb("%%exercise 7\n# starter")  # the committed original
    # The copy is outside what git tracks and what test discovery finds (NN_*.ipynb in notebooks/).
    assert list((repo / "notebooks").glob("[0-9][0-9]_*.ipynb")) != [] and not any(
        p.parent.name == "my-work" for p in (repo / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_unchanged_notebook_is_left_alone_without_a_copy(repo: Path, no_servers: str) -> None:
    result = reset.reset("7", root=repo, runtime_dir=no_servers)
    assert not result.changed and result.saved is None
    # Re-saved with other formatting (JupyterLab indents differently): still the original.
    nb07(repo).write_text(json.dumps(json.loads(nb07(repo).read_text())))
    assert not reset.reset("07", root=repo, runtime_dir=no_servers).changed
    assert not (repo / "notebooks" / "my-work").exists()


def test_two_resets_in_one_second_keep_both_copies(repo: Path) -> None:
    from datetime import datetime

    when = datetime(2026, 1, 2, 3, 4, 5)
    first = reset.saved_copy_path(nb07(repo), when)
    first.parent.mkdir()
    first.write_text("a")
    assert reset.saved_copy_path(nb07(repo), when).name == "07_s3_source_bucket-20260102-030405-2.ipynb"


@pytest.mark.parametrize("name", ["7", "07", "07_s3_source_bucket", "07_s3_source_bucket.ipynb",
                                  "notebooks/07_s3_source_bucket.ipynb"])
def test_names_a_learner_may_type(repo: Path, name: str) -> None:
    assert reset.resolve(name, repo) == nb07(repo)


@pytest.mark.parametrize("name", ["99", "8", "s3", "07_s3.ipynb"])
def test_unknown_notebook(repo: Path, name: str) -> None:
    with pytest.raises(ResetError, match=r"no notebook .* give its number \(00-07\) or its file name"):
        reset.reset(name, root=repo)


def test_deleted_notebook_comes_back(repo: Path, no_servers: str) -> None:
    nb07(repo).unlink()
    result = reset.reset("07", root=repo, runtime_dir=no_servers)
    assert result.changed and result.saved is None
    assert nb07(repo).read_bytes() == _nb("%%exercise 7\n# starter")


def test_from_another_revision(repo: Path, no_servers: str) -> None:
    nb07(repo).write_bytes(_nb("v2"))
    git(repo, "commit", "-qam", "v2")
    nb07(repo).write_bytes(_nb("mine"))
    reset.reset("07", root=repo, ref="HEAD~1", runtime_dir=no_servers)
    assert nb07(repo).read_bytes() == _nb("%%exercise 7\n# starter")
    with pytest.raises(ResetError, match=r"no revision 'nope' in this repository"):
        reset.reset("07", root=repo, ref="nope", runtime_dir=no_servers)
    (repo / "notebooks" / "08_new.ipynb").write_bytes(_nb("new"))
    with pytest.raises(ResetError, match=r"notebooks/08_new.ipynb is not in HEAD"):
        reset.reset("08", root=repo, runtime_dir=no_servers)


def test_no_git_changes_nothing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb07(repo).write_bytes(_nb("mine"))
    monkeypatch.setattr(reset.shutil, "which", lambda name: None)
    with pytest.raises(ResetError, match="git is not installed"):
        reset.reset("07", root=repo)
    assert nb07(repo).read_bytes() == _nb("mine")
    assert not (repo / "notebooks" / "my-work").exists()


def test_not_a_git_clone(tmp_path: Path) -> None:
    (tmp_path / "zip" / "notebooks").mkdir(parents=True)
    (tmp_path / "zip" / "notebooks" / "07_s3_source_bucket.ipynb").write_bytes(_nb("mine"))
    with pytest.raises(ResetError, match="is not a git clone"):
        reset.reset("07", root=tmp_path / "zip")


# --- open in JupyterLab ---------------------------------------------------------------------------


class FakeJupyter:
    """A Jupyter server as `reset` sees it: a jpserver-*.json file and GET /api/sessions."""

    def __init__(self, runtime: Path, root_dir: Path, sessions: list[dict[str, Any]]) -> None:
        self.sessions, self.token, self.requests = sessions, "s3cret", 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                fake.requests += 1
                ok = self.path == "/lab/api/sessions" and \
                    self.headers.get("Authorization") == f"token {fake.token}"
                body = json.dumps(fake.sessions if ok else {"message": "Forbidden"}).encode()
                self.send_response(200 if ok else 403)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.info = {"base_url": "/lab/", "hostname": "localhost", "password": False,
                     "pid": os.getpid(), "port": port, "root_dir": str(root_dir), "secure": False,
                     "sock": "", "token": self.token, "url": f"http://localhost:{port}/lab/",
                     "version": "2.21.1"}
        self.file = runtime / f"jpserver-{os.getpid()}.json"
        self.file.write_text(json.dumps(self.info))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def session(path: str) -> dict[str, Any]:
    return {"id": "1", "path": path, "name": "", "type": "notebook",
            "kernel": {"id": "k", "name": "python3", "execution_state": "idle"},
            "notebook": {"path": path, "name": ""}}


@pytest.fixture
def lab(repo: Path, no_servers: str) -> Iterator[FakeJupyter]:
    # JupyterLab started in the repository root, as `make lab` does, with notebook 07 open.
    server = FakeJupyter(Path(no_servers), repo, [session("notebooks/07_s3_source_bucket.ipynb")])
    yield server
    server.close()


def test_open_in_jupyterlab_is_refused(repo: Path, no_servers: str, lab: FakeJupyter) -> None:
    mine = _nb("mine, with unsaved edits in the browser")
    nb07(repo).write_bytes(mine)
    with pytest.raises(ResetError) as exc:
        reset.reset("07", root=repo, runtime_dir=no_servers)
    msg = str(exc.value)
    assert "open in JupyterLab" in msg and lab.info["url"] in msg
    assert "File > Close and Shut Down Notebook" in msg and "--force" in msg and "\n" not in msg
    assert nb07(repo).read_bytes() == mine and not (repo / "notebooks" / "my-work").exists()
    assert lab.requests == 1  # it asked the server, with the server's token

    result = reset.reset("07", root=repo, runtime_dir=no_servers, force=True)
    assert result.saved is not None and result.saved.read_bytes() == mine


def test_other_notebooks_open_do_not_block(repo: Path, no_servers: str, lab: FakeJupyter) -> None:
    lab.sessions = [session("notebooks/00_start_here.ipynb"),
                    {**session("notebooks/07_s3_source_bucket.ipynb"), "kernel": None}]
    nb07(repo).write_bytes(_nb("mine"))
    assert reset.reset("07", root=repo, runtime_dir=no_servers).changed


def test_a_server_that_will_not_say_blocks(repo: Path, no_servers: str, lab: FakeJupyter) -> None:
    lab.token = "rotated"  # our token no longer works: 403
    nb07(repo).write_bytes(_nb("mine"))
    with pytest.raises(ResetError, match=r"did not say which notebooks are open \(Forbidden\)|"
                                         r"did not say which notebooks are open \(HTTP Error 403"):
        reset.reset("07", root=repo, runtime_dir=no_servers)
    assert nb07(repo).read_bytes() == _nb("mine")


def test_servers_elsewhere_or_dead_are_ignored(repo: Path, tmp_path: Path, no_servers: str) -> None:
    elsewhere = tmp_path / "other-project"
    elsewhere.mkdir()
    server = FakeJupyter(Path(no_servers), elsewhere, [])
    server.token = "wrong"  # it would not answer; it does not matter, it cannot see the notebook
    dead = Path(no_servers) / "jpserver-999999.json"
    dead.write_text(json.dumps({**server.info, "pid": 999999, "root_dir": str(repo)}))
    try:
        nb07(repo).write_bytes(_nb("mine"))
        assert reset.reset("07", root=repo, runtime_dir=no_servers).changed
        assert server.requests == 0
    finally:
        server.close()


def test_server_list_matches_jupyter_servers_own(tmp_path: Path, repo: Path) -> None:
    from jupyter_server.serverapp import list_running_servers

    server = FakeJupyter(tmp_path, repo, [])
    (tmp_path / "jpserver-999999.json").write_text(json.dumps({**server.info, "pid": 999999}))
    (tmp_path / "jpserver-half.json").write_text("{")
    try:
        ours = list(reset.running_servers(str(tmp_path)))
        assert ours == list(list_running_servers(str(tmp_path))) == [server.info]
    finally:
        server.close()


# --- the command ----------------------------------------------------------------------------------


def test_cli_reset(repo: Path, no_servers: str, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(reset, "ROOT", repo)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", no_servers)
    nb07(repo).write_bytes(_nb("mine"))
    assert cli.main(["reset", "07"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"Saved your copy as notebooks/my-work/07_s3_source_bucket-\d{8}-\d{6}\.ipynb",
                        out[0])
    assert out[1] == "Restored notebooks/07_s3_source_bucket.ipynb from HEAD."
    assert cli.main(["reset", "07"]) == 0
    assert "already as in HEAD: nothing to reset, no copy made" in capsys.readouterr().out


@pytest.mark.parametrize("args, expected", [
    (["99"], "no notebook '99'"),
    (["07", "--from", "no-such-ref"], "no revision 'no-such-ref'"),
])
def test_cli_errors_are_one_line(args: list[str], expected: str) -> None:
    # On the real repository: both fail before anything is read from or written to the notebook.
    r = subprocess.run([sys.executable, "-m", "pitfalls", "reset", *args], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and expected in r.stderr and "Traceback" not in r.stderr


def test_reset_needs_a_notebook_or_state(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["reset"]) == 2
    assert capsys.readouterr().err.strip() == (
        "pitfalls: error: name a notebook (e.g. 07), or --state")
