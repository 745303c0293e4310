"""The browser suite's fixtures: one JupyterLab (scratch files, see lab.py) and one headless
Chromium for the whole module, a page per test, and a screenshot of the page when a test fails.

Skipped, with the reason, where there is no Chromium or no Playwright; CI installs both
(.ci/run installs Debian's chromium when it is missing).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.lab import CHROMIUM_ARGS, Lab, chromium, running_lab

SHOTS = Path(__file__).resolve().parent / "screenshots"  # gitignored


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium()
    if path is None and os.environ.get("PITFALLS_REQUIRE_BROWSER"):
        pytest.fail("PITFALLS_REQUIRE_BROWSER is set (CI) but there is no Chromium")
    if path is None:
        pytest.skip("no Chromium on this machine (/usr/bin/chromium): the browser suite needs "
                    "Debian's chromium package, or PITFALLS_CHROMIUM=/path/to/chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def lab(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    home = tmp_path_factory.mktemp("lab")
    with running_lab(home) as running:
        try:
            yield running
        finally:
            stop_left_emulators(home)


def stop_left_emulators(home: Path) -> None:
    """Stop a local AWS that a notebook in this lab started and a failed test left running."""
    from pitfalls.emulator import process

    for pid_file in (home / "tmp").glob("**/state/*"):
        if pid_file.is_file():
            process.stop(pid_file.parent)


@pytest.fixture
def page(browser: Any, lab: Lab) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()
    lab.shutdown_kernels()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    pg = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and pg is not None:
        SHOTS.mkdir(exist_ok=True)
        shot = SHOTS / f"FAILED-{item.name}.png"
        try:
            pg.screenshot(path=str(shot), full_page=True)
        except Exception as exc:  # the page may be gone; the failure itself is what matters
            report.sections.append(("screenshot", f"none taken: {exc}"))
        else:
            report.sections.append(("screenshot", f"saved: {shot}"))
            print(f"\nscreenshot of the failed page: {shot}")


def keep_screenshot(pg: Any, name: str) -> Path:
    """A screenshot for the reader (tests/browser/screenshots/NAME.png)."""
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path))
    return path
