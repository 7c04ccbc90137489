"""A learner's view, in a real browser: JupyterLab runs lesson 01 and its AR simulator responds.

Starts JupyterLab from the project's environment on a free loopback port,
drives Debian's Chromium with Playwright, runs every cell of lesson 01,
moves the AR simulator's first slider and checks that the figure changes,
that no cell shows an error and no widget shows "Error displaying widget".
The screenshot is kept in build/browser/ as a test artefact.

Chromium comes from Debian (``apt-get install chromium``, done by
``tasks.py test`` when it can); Playwright's own browser download is not
used. Where Chromium is missing, the test is skipped with that reason.
"""
from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

from jupyter_lab import running_lab

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "build" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LESSON = "notebooks/01_autoregressive_models.ipynb"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                 "(python3 tasks.py test installs it where apt-get works)")]


@pytest.fixture
def lab(tmp_path):
    command = [sys.executable, "-m", "jupyter", "lab", "--LabApp.expose_app_in_browser=True",
               "--allow-root", f"--ServerApp.root_dir={ROOT}"]
    with running_lab(command, ROOT, tmp_path, timeout=90) as url:
        yield url


def widget_image(page) -> str:
    """The src of the AR simulator's figure (its Output widget holds one image)."""
    images = page.locator(".jupyter-widgets-output-area img, .widget-output img")
    return images.first.get_attribute("src") if images.count() else ""


def test_lesson01_runs_and_its_slider_redraws_the_figure(lab):
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{lab}/lab/tree/{LESSON}")
        page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')",
                               timeout=90_000)
        page.wait_for_function(
            "() => { const s = document.querySelector('.jp-Notebook-ExecutionIndicator');"
            " return !s || s.getAttribute('data-status') !== 'busy'; }", timeout=90_000)
        page.wait_for_timeout(2_000)  # let the kernel settle before running everything
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # finished when every code cell shows an execution count and none is pending ([*])
        page.wait_for_function(
            """() => {
                 const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                 return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
               }""", timeout=240_000)
        page.wait_for_timeout(1_500)

        text = page.locator(".jp-Notebook").inner_text()
        assert "Error displaying widget" not in text
        assert "Traceback" not in text
        assert page.locator('[data-mime-type="application/vnd.jupyter.error"]').count() == 0

        slider = page.locator(".widget-slider .noUi-handle, .widget-hslider .noUi-handle").first
        slider.scroll_into_view_if_needed()
        page.wait_for_function(
            "document.querySelector('.jupyter-widgets-output-area img, .widget-output img')",
            timeout=60_000)
        before = widget_image(page)
        assert before, "the AR simulator shows no figure"
        slider.focus()
        for _ in range(6):
            slider.press("ArrowLeft")
        page.wait_for_timeout(300)
        slider.press("Enter")
        deadline = time.time() + 60
        while widget_image(page) == before and time.time() < deadline:
            page.wait_for_timeout(500)
        after = widget_image(page)
        # let the last redraw finish, so the screenshot's title matches the slider
        stable_since, last = time.time(), after
        while time.time() - stable_since < 2 and time.time() < deadline + 30:
            page.wait_for_timeout(400)
            current = widget_image(page)
            if current != last:
                stable_since, last = time.time(), current
        no_news = page.get_by_role("button", name="No")
        if no_news.count():
            no_news.first.click()
        slider.locator("xpath=ancestor::div[contains(@class,'widget-inline-hbox')][1]").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTEFACTS / "lesson01_ar_simulator.png"))
        browser.close()
    assert after and after != before, "moving the φ₁ slider did not redraw the figure"
