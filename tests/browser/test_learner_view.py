"""The course as a learner sees it, in JupyterLab in a real Chromium: the committed notebooks as
they open (before anything runs), an exercise worked through as a learner would, notebook
15's deploy showing its progress while it runs, and its capstone fixed and released.

Screenshots for the reader are kept in tests/browser/screenshots/ (gitignored), with a
FAILED-<test>.png of the page for any test that fails.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from pitfalls import scenarios
from pitfalls.learner.exercise import get
from tests.browser.lab import ROOT, Lab, browser_fixture, keep_screenshot, lab_fixture, page_fixture  # noqa: F401 (fixtures)

# Text that must never be what a learner reads: a widget's Python repr, an object's default repr.
RAW = re.compile(r"VBox\(children=|Button\(description=|HTML\(value=|<IPython\.core\.display\.\w+ object>"
                 r"|<pitfalls\.[\w.]+ object at")
# Paths of the machine that ran the notebooks (committed outputs must not carry them).
MACHINE_PATHS = (str(ROOT), "/root/", "/home/", "/tmp/", "/var/folders/")
# Paths the course teaches, on a CodeBuild host rather than this machine: npm's cache (04).
TAUGHT_PATHS = ("/root/.npm",)

# --- driving JupyterLab through its own commands (window.jupyterapp) ------------------------------

JS_NOTEBOOK = "window.jupyterapp.shell.currentWidget.content"


def open_notebook(page: Any, lab: Lab, name: str) -> None:
    page.goto(lab.notebook_url(name))
    page.wait_for_function("""() => {
        const nb = window.jupyterapp?.shell?.currentWidget?.content;
        return nb?.widgets?.length > 0 && nb.widgets.every(c => c.isAttached);
    }""")
    # The kernel is up (the status reads Idle): cells can run.
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session"
                           "?.kernel?.status === 'idle'", timeout=120_000)


def command(page: Any, name: str, *, wait: bool = True) -> None:
    """Run a JupyterLab command; with `wait`, until it is done (a run command's promise settles
    when the cells have run)."""
    call = f"window.jupyterapp.commands.execute({json.dumps(name)})"
    page.evaluate(f"() => {call}" if wait else f"() => {{ {call}; }}")


def cell_index(page: Any, tag: str) -> int:
    """The index of the first cell carrying `tag` in its metadata."""
    return int(page.evaluate(f"""() => {JS_NOTEBOOK}.widgets.findIndex(
        c => (c.model.getMetadata('tags') || []).includes({json.dumps(tag)}))"""))


def run_cell(page: Any, index: int, *, wait: bool = True) -> None:
    """Run one cell as Shift+Enter would, without moving on; with `wait`, until it has run."""
    page.evaluate(f"() => {{ {JS_NOTEBOOK}.activeCellIndex = {index}; }}")
    command(page, "notebook:run-cell", wait=wait)
    if not wait:  # it has started when its prompt shows [*]
        page.wait_for_function(f"() => {JS_NOTEBOOK}.widgets[{index}].promptNode.textContent.includes('*')")


def running(page: Any, index: int) -> bool:
    return bool(page.evaluate(f"() => {JS_NOTEBOOK}.widgets[{index}].promptNode.textContent.includes('*')"))


def wait_idle(page: Any, index: int, timeout: float = 300) -> None:
    page.wait_for_function(f"""() => {{
        const c = {JS_NOTEBOOK}.widgets[{index}];
        return !c.promptNode.textContent.includes('*') && c.model.executionCount !== null;
    }}""", timeout=timeout * 1000)


def output_text(page: Any, index: int) -> str:
    return str(page.evaluate(f"() => {JS_NOTEBOOK}.widgets[{index}].outputArea.node.innerText"))


def wait_for_output(page: Any, index: int, text: str) -> None:
    page.wait_for_function(f"() => {JS_NOTEBOOK}.widgets[{index}].outputArea.node.innerText"
                           f".includes({json.dumps(text)})")


def recorded(lab: Lab) -> dict[str, Any]:
    """The scratch progress file's scenarios ({} before anything was recorded)."""
    if not lab.progress_file.exists():
        return {}
    return dict(json.loads(lab.progress_file.read_text())["scenarios"])


def type_into_cell(page: Any, index: int, text: str) -> None:
    """As a learner edits: click into the cell's editor, select everything, type the new code."""
    editor = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)
    assert page.evaluate(f"() => {JS_NOTEBOOK}.widgets[{index}].model.sharedModel.getSource()") == text


# --- the notebooks as they open -----------------------------------------------------------------


@pytest.mark.parametrize("name", [nb.path.name for nb in scenarios.notebooks()])
def test_committed_notebook_opens_readable(page: Any, lab: Lab, name: str) -> None:
    open_notebook(page, lab, name)
    page.wait_for_timeout(500)  # the last outputs settle
    text = page.evaluate(f"() => {JS_NOTEBOOK}.node.innerText")
    assert not RAW.findall(text), RAW.findall(text)
    for taught in TAUGHT_PATHS:
        text = text.replace(taught, "")
    assert not [p for p in MACHINE_PATHS if p in text], [p for p in MACHINE_PATHS if p in text]
    # Every table cell the course renders reads left to right, in JupyterLab's own cascade.
    aligns = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.jp-OutputArea-output td, .jp-OutputArea-output th')).map(e => getComputedStyle(e).textAlign)""")
    assert set(aligns) <= {"left", "start"}, sorted(set(aligns))
    if name.startswith("07_"):
        keep_screenshot(page, "07-opened-compare-table")
    exercise = cell_index(page, "exercise")
    if exercise >= 0:  # every notebook but 00: the ticket, the starter and its grade, as opened
        page.locator(".jp-Cell").nth(exercise).scroll_into_view_if_needed()
        keep_screenshot(page, f"{name[:2]}-opened-exercise")
        # Before anything runs, the hint area says what it offers (its HTML form).
        assert "Three hints, one at a time" in output_text(page, exercise)


def verdict_colour(page: Any, mark: str) -> str | None:
    """The colour of the first exercise verdict starting with `mark` (✘ or ✔) on the page."""
    return page.evaluate("""mark => {
        const e = Array.from(document.querySelectorAll('.jp-OutputArea-output div'))
            .find(n => n.children.length === 0 && n.textContent.trim().startsWith(mark));
        return e ? getComputedStyle(e).color : null; }""", mark)


def test_verdict_colours_differ(page: Any, lab: Lab) -> None:
    """A failed grade is red as the notebook opens (it was black, like a pass)."""
    open_notebook(page, lab, "07_s3_source_bucket.ipynb")
    assert verdict_colour(page, "✘") == "rgb(208, 49, 45)"


# --- an exercise, as a learner works through it ---------------------------------------------------


def test_exercise_as_a_learner(page: Any, lab: Lab) -> None:
    ex = get(7)
    open_notebook(page, lab, "07_s3_source_bucket.ipynb")
    command(page, "notebook:run-all-cells")
    cell = cell_index(page, "exercise")
    page.wait_for_function(f"() => {JS_NOTEBOOK}.widgets.every(c => c.model.type !== 'code' || "
                           "!c.promptNode.textContent.includes('*'))", timeout=300_000)
    wait_idle(page, cell)
    out = output_text(page, cell)
    # 1. As given: graded, not yet, and not counted as an attempt.
    assert "Not yet" in out and "starter code as shipped" in out, out
    assert "07" not in recorded(lab)
    # 2. Hint 1, from the live widget (the cell ran, so the button replaced the HTML form).
    button = page.locator(".jp-Cell").nth(cell).get_by_role("button", name="Show hint 1 of 3")
    button.click()
    wait_for_output(page, cell, "Hint 1 (what to look for, and where)")
    # The documentation pages hint 1 names are links the learner can follow.
    docs = page.locator(".jp-Cell").nth(cell).locator("a[href^='https://docs.aws.amazon.com/']")
    assert docs.count() == len(ex.docs), docs.count()
    keep_screenshot(page, "07-hint-1")
    # 3. A half fix: versioned, nothing else. Fewer findings, recorded as an attempt.
    half = ex.starter.replace('s3.Bucket(self, "Bucket")', 's3.Bucket(self, "Bucket", versioned=True)')
    type_into_cell(page, cell, f"%%exercise 7\n{half}")
    run_cell(page, cell)
    out = output_text(page, cell)
    assert "Not yet" in out and "PP07-SOURCE-NOT-VERSIONED" not in out and "starter" not in out, out
    keep_screenshot(page, "07-feedback-half-fix")
    assert recorded(lab)["07"]["attempts"] == 1
    # 4. A syntax error on the editor's line 5: the message names line 5.
    broken = half.replace("versioned=True)", "versioned=True")
    type_into_cell(page, cell, f"%%exercise 7\n{broken}")
    run_cell(page, cell)
    out = output_text(page, cell)
    assert "SyntaxError" in out and "(line 5 of your cell)" in out, out
    # 5. All three hints; the last one, pasted over the whole cell, passes.
    for n in (1, 2, 3):
        page.locator(".jp-Cell").nth(cell).get_by_role("button", name=f"Show hint {n} of 3").click()
    wait_for_output(page, cell, "Solution (from")
    keep_screenshot(page, "07-all-hints")
    shown = output_text(page, cell)
    solution = shown[shown.index("%%exercise 7"):].strip()
    assert solution == ex.solution_cell().strip()
    type_into_cell(page, cell, solution)
    run_cell(page, cell)
    out = output_text(page, cell)
    assert "All checks pass" in out, out
    assert verdict_colour(page, "✔") == "rgb(31, 143, 74)"
    keep_screenshot(page, "07-solution-passes")
    assert recorded(lab)["07"]["passed"] is True
    # The dark theme: the verdict and the table colours switch to their dark variants.
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', "
                  "{theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    page.wait_for_timeout(500)
    assert verdict_colour(page, "✔") == "rgb(86, 211, 100)"
    keep_screenshot(page, "07-dark-theme")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', "
                  "{theme: 'JupyterLab Light'})")  # the theme is a lab setting: the next tests' too
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")


# --- notebook 15: progress while it deploys --------------------------------------------------------


def test_deploy_shows_progress_as_it_comes(page: Any, lab: Lab) -> None:
    open_notebook(page, lab, "15_full_pipeline.ipynb")
    run_cell(page, cell_index(page, "setup"))
    synth = int(page.evaluate(f"""() => {JS_NOTEBOOK}.widgets.findIndex(
        c => c.model.sharedModel.getSource().startsWith('aws = LocalAWS("15")'))"""))
    run_cell(page, synth)  # the two stacks, synthesized into the cloud assembly it deploys
    deploy = int(page.evaluate(f"""() => {JS_NOTEBOOK}.widgets.findIndex(
        c => c.model.sharedModel.getSource().includes('live_progress("cdk deploy"'))"""))
    run_cell(page, deploy, wait=False)
    # While the cell still runs, the CLI's lines are already on the page.
    seen_running = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and running(page, deploy):
        m = re.search(r"cdk deploy: (\d+) lines", output_text(page, deploy))
        if m and int(m.group(1)) >= 10 and running(page, deploy):
            seen_running = m.group(0)
            page.locator(".jp-Cell").nth(deploy).scroll_into_view_if_needed()
            keep_screenshot(page, "15-deploy-live")
            break
        page.wait_for_timeout(250)
    assert seen_running, f"no progress while the deploy ran; at the end: {output_text(page, deploy)}"
    wait_idle(page, deploy, timeout=900)
    final = output_text(page, deploy)
    assert "cdk deploy exit code: 0" in final, final
    assert "cdk deploy:" not in final  # the live display is emptied; the summary stays
    # The notebook's local AWS stops when the lab fixture shuts the kernel down: LocalAWS
    # registers its stop with atexit (notebook 15 stops it in its destroy cell).


def test_capstone_as_a_learner(page: Any, lab: Lab) -> None:
    """Sam's pipeline as shipped, then the answer pasted from the last hint: it passes, and the
    release cell deploys it and follows its pipeline to a released function."""
    n = scenarios.final().number
    open_notebook(page, lab, "15_full_pipeline.ipynb")
    run_cell(page, cell_index(page, "setup"))
    cell = cell_index(page, "exercise")
    page.locator(".jp-Cell").nth(cell).scroll_into_view_if_needed()
    run_cell(page, cell)
    out = output_text(page, cell)
    assert "Not yet" in out and "starter code as shipped" in out, out
    keep_screenshot(page, "15-capstone-starter")
    type_into_cell(page, cell, get(n).solution_cell().strip())
    run_cell(page, cell)
    out = output_text(page, cell)
    assert "All checks pass" in out, out
    release = cell + 2  # the markdown that explains it, then the release cell
    assert "release_capstone(" in page.evaluate(
        f"() => {JS_NOTEBOOK}.widgets[{release}].model.sharedModel.getSource()")
    run_cell(page, release, wait=False)
    wait_idle(page, release, timeout=900)
    out = output_text(page, release)
    assert "Released:" in out and "Succeeded" in out, out
    page.locator(".jp-Cell").nth(release).scroll_into_view_if_needed()
    keep_screenshot(page, "15-capstone-released")
    assert recorded(lab)[f"{n:02d}"]["passed"] is True


def test_no_screenshot_dir_in_git() -> None:
    assert "tests/browser/screenshots/" in (ROOT / ".gitignore").read_text()


