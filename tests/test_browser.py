"""A learner's view, in a real browser: lessons run in JupyterLab and their widgets respond.

Uses the session's JupyterLab (``jupyter_lab`` fixture, started by ``tasks.py lab``)
and drives Debian's Chromium with Playwright:

* lesson 01's AR simulator: moving its first slider (φ₁) redraws its figure;
* lesson 05's gate explorer: switching the candidate and moving the forget-gate
  slider redraw its figure;
* likewise lesson 04's hidden-state explorer (the step and radius sliders), lesson
  06's session-graph explorer and lesson 07's attention explorer (another session or
  test prefix chosen), the last two with a model trained in a few seconds.

The lessons themselves run in nbval, so no lesson is run again here (lesson 01 once
was: about 25 s). The five widgets are cells of one notebook, made with the lessons'
own calls and run once in one page (a kernel start and a page load each would cost
about 15 s); each test drives its own cell's widget.

Each run checks that no cell shows an error and no widget "Error displaying
widget". The notebooks are copies in build/browser/ (JupyterLab saves what it
opens; the committed lessons stay untouched), beside the screenshots.

Chromium comes from Debian (``apt-get install chromium``, done by
``tasks.py test`` when it can); Playwright's own browser download is not
used. Where Chromium is missing, the tests are skipped with that reason.
"""
from __future__ import annotations

import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from jupyter_lab import shut_down_kernels

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "build" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                 "(python3 tasks.py test installs it where apt-get works)")]


def stop_kernels(lab: str) -> None:
    """Stop the lesson kernels a test started, and check that none survived."""
    shut_down_kernels(lab)
    assert shut_down_kernels(lab) == 0, "a kernel survived its shutdown"


def launch(pw):
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def widget_image(scope) -> str:
    """The src of the first widget's figure in ``scope`` (a page, or one cell of it): its Output
    widget holds one image."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # only where the tests run

    images = scope.locator(".jupyter-widgets-output-area img, .widget-output img")
    try:
        # a short wait: a redraw clears the Output widget, and the figure counted here can be gone
        # when its src is read (seen under load: get_attribute then waited 30 s for the next one)
        return images.first.get_attribute("src", timeout=2_000) if images.count() else ""
    except PlaywrightTimeout:
        return ""


def run_notebook(page, lab: str, notebook: Path, timeout_ms: int = 240_000) -> None:
    """Open ``notebook`` (inside the repository) in JupyterLab, run all cells, check for errors."""
    # ?reset: a fresh workspace, so no notebook of an earlier test is restored beside this one
    page.goto(f"{lab}/lab/tree/{notebook.relative_to(ROOT).as_posix()}?reset")
    page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')",
                           timeout=90_000)
    # the notebook's kernel started, connected and idle: a run-all sent before that is lost (seen
    # at the start of the suite, under load: the cells stayed unrun and the test timed out)
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
        " return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; }", timeout=180_000)
    page.wait_for_timeout(2_000)  # let the kernel settle before running everything
    # start the command without awaiting its promise (it can wait on the kernel for ever)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    # finished when every code cell shows an execution count and none is pending ([*])
    try:
        page.wait_for_function(
            """() => {
                 const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                 return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
               }""", timeout=timeout_ms)
    except Exception:
        page.screenshot(path=str(ARTEFACTS / f"{notebook.stem}_failed.png"))
        raise
    page.wait_for_timeout(1_500)
    text = page.locator(".jp-Notebook").inner_text()
    assert "Error displaying widget" not in text
    assert "Traceback" not in text
    assert page.locator('[data-mime-type="application/vnd.jupyter.error"]').count() == 0
    page.wait_for_function(
        "document.querySelector('.jupyter-widgets-output-area img, .widget-output img')",
        timeout=60_000)


def wait_for_redraw(page, before: str, seconds: float = 60, scope=None) -> str:
    """Wait until the widget's figure in ``scope`` (default: the page) differs from ``before``
    and stops changing; return it."""
    scope = scope or page
    deadline = time.time() + seconds
    # "": the Output widget is between figures (cleared for the redraw)
    while widget_image(scope) in (before, "") and time.time() < deadline:
        page.wait_for_timeout(500)
    stable_since, last = time.time(), widget_image(scope)
    while (time.time() - stable_since < 2 or not last) and time.time() < deadline + 30:
        page.wait_for_timeout(400)
        current = widget_image(scope)
        if current != last:
            stable_since, last = time.time(), current
    return last


def move_slider(page, index: int, key: str, presses: int = 6, scope=None) -> None:
    """Press ``key`` on slider ``index`` of ``scope`` (default: the page), then Enter."""
    slider = (scope or page).locator(".widget-slider .noUi-handle, .widget-hslider .noUi-handle").nth(index)
    slider.scroll_into_view_if_needed()
    slider.focus()
    for _ in range(presses):
        slider.press(key)
    page.wait_for_timeout(300)
    slider.press("Enter")


def dismiss_news(page) -> None:
    no_news = page.get_by_role("button", name="No")
    if no_news.count():
        no_news.first.click()


@contextmanager
def notebook_in_chromium(lab: str, notebook: Path):
    """Run ``notebook`` in JupyterLab in Chromium; yield the page; close the browser and stop
    the kernel when done."""
    sync_api = pytest.importorskip("playwright.sync_api")
    try:
        with sync_api.sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            run_notebook(page, lab, notebook)
            yield page
            browser.close()
    finally:
        stop_kernels(lab)


SMALL_SHOP = """import course_lib
import numpy as np
from course_lib.datasets import make_shop
from course_lib.prep.next_item import validation_and_test_splits
from course_lib.models.attention import SASRec
from course_lib.models.graph import SRGNN
from course_lib.show.widgets import (arma_simulator, attention_explorer, gate_explorer, rnn_state_explorer,
                                     session_graph_explorer)

shop = make_shop(8_000, seed=0)
valid, test = validation_and_test_splits(shop.events, test_days=14, valid_days=14)
X_test, y_test = test.test_prefixes(8)
"""

#: one cell per explorer (after SMALL_SHOP's cell), in the order of the notebook
EXPLORERS = {
    "AR simulator": 'arma_simulator("AR")',
    "gate explorer": "gate_explorer()",
    "hidden-state explorer": "rnn_state_explorer()",
    "session-graph explorer": "srgnn = SRGNN(dim=16, max_len=8, epochs=1).fit(test.train, test.n_items)\n"
                              "session_graph_explorer([s for s in test.test if len(set(s.tolist())) < len(s)], "
                              "model=srgnn)",
    "attention explorer": "sasrec = SASRec(dim=16, blocks=1, max_len=8, epochs=1).fit(test.train, test.n_items)\n"
                          "attention_explorer(sasrec, X_test, y_test)",
}


@pytest.fixture(scope="module")
def explorers(jupyter_lab):
    """The page with every explorer run, and each explorer's cell (a locator), by name."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    notebook = ARTEFACTS / "explorers.ipynb"
    nbformat.write(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in (SMALL_SHOP, *EXPLORERS.values())],
        metadata={"kernelspec": {"name": "course-lib", "display_name": "Python (course-lib)",
                                 "language": "python"}}), notebook)
    with notebook_in_chromium(jupyter_lab, notebook) as page:
        cells = {name: page.locator(".jp-CodeCell").nth(1 + i) for i, name in enumerate(EXPLORERS)}
        dismiss_news(page)
        yield page, cells


@contextmanager
def explorer(explorers, what: str, screenshot: str):
    """Yield (page, the explorer's cell, its first figure); take ``screenshot`` of the cell after."""
    page, cells = explorers
    cell = cells[what]
    cell.scroll_into_view_if_needed()
    first = widget_image(cell)
    assert first, f"the {what} shows no figure"
    yield page, cell, first
    cell.screenshot(path=str(ARTEFACTS / screenshot))


def choose_option(cell, index: int) -> None:
    """Pick option ``index`` of the cell's first widget dropdown."""
    select = cell.locator(".widget-dropdown select").first
    select.scroll_into_view_if_needed()
    select.select_option(index=index)


def test_lesson01_ar_simulator_redraws_for_another_coefficient(explorers):
    """Lesson 01's AR simulator (the lesson's own call): moving the φ₁ slider redraws the series."""
    with explorer(explorers, "AR simulator", "lesson01_ar_simulator.png") as (page, cell, first):
        move_slider(page, 0, "ArrowLeft", scope=cell)
        after = wait_for_redraw(page, first, scope=cell)
    assert after != first, "moving the φ₁ slider did not redraw the figure"


def test_gate_explorer_redraws_for_the_candidate_and_the_forget_bias(explorers):
    """Lesson 05's gate explorer: the candidate buttons and the gate-bias sliders redraw the cell state."""
    with explorer(explorers, "gate explorer", "lesson05_gate_explorer.png") as (page, cell, first):
        cell.get_by_role("button", name="sigmoid").first.click()
        sigmoid = wait_for_redraw(page, first, scope=cell)
        move_slider(page, 0, "ArrowRight", scope=cell)   # the forget gate's bias, up
        remembered = wait_for_redraw(page, sigmoid, scope=cell)
    assert sigmoid != first, "choosing the sigmoid candidate did not redraw the figure"
    assert remembered != sigmoid, "moving the forget-gate slider did not redraw the figure"


def test_lesson04_hidden_state_explorer_redraws_for_the_step_and_the_radius(explorers):
    """Lesson 04's explorer: moving the step slider, then the spectral-radius slider, redraws it."""
    with explorer(explorers, "hidden-state explorer", "lesson04_rnn_state_explorer.png") as (page, cell, first):
        move_slider(page, 0, "ArrowLeft", scope=cell)        # the step t, back
        stepped = wait_for_redraw(page, first, scope=cell)
        move_slider(page, 1, "ArrowRight", scope=cell)       # the spectral radius, up
        radius = wait_for_redraw(page, stepped, scope=cell)
    assert stepped != first, "moving the step slider did not redraw the figure"
    assert radius != stepped, "moving the radius slider did not redraw the figure"


def test_lesson06_session_graph_explorer_redraws_for_another_session(explorers):
    """Lesson 06's explorer, with a trained SR-GNN: choosing another session redraws its graph."""
    with explorer(explorers, "session-graph explorer",
                  "lesson06_session_graph_explorer.png") as (page, cell, first):
        choose_option(cell, 1)
        second = wait_for_redraw(page, first, scope=cell)
    assert second != first, "choosing another session did not redraw the figure"


def test_lesson07_attention_explorer_redraws_for_another_test_prefix(explorers):
    """Lesson 07's explorer, with a trained SASRec: choosing another test prefix redraws its attention."""
    with explorer(explorers, "attention explorer", "lesson07_attention_explorer.png") as (page, cell, first):
        choose_option(cell, 2)
        second = wait_for_redraw(page, first, scope=cell)
    assert second != first, "choosing another test prefix did not redraw the figure"
