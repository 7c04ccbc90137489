"""The course book: its sources (fast) and the built site in a real browser (slow, after the notebooks).

The slow test builds the book as ``python3 tasks.py book`` does, from the
executed copies that this session's notebook run left in ``build/executed/``
(the book runs a notebook itself only where no fresh copy exists), serves it on
a loopback port and opens every page in Debian's Chromium:

* no console error, no request leaving the machine (MathJax, fonts, search are local);
* no broken internal link (file or anchor);
* each lesson page shows at least as many figures as its notebook drew;
* the math is typeset by MathJax, no raw ``$...$`` or ``\\(...\\)`` left in the text;
* the search page finds "MASE".

A screenshot of lesson 05's page is kept in build/browser/.
"""
from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import nbformat
import pytest

from book import build as book_build
from notebook_record import notebooks_written

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "build" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
RAW_MATH = re.compile(r"\\\(|\\\[|\$\$|(?<![\w$])\$[^\s$][^$\n]{0,200}?\$(?![\w$])")


# ---------------------------------------------------------------- the sources (fast)

def widget_notebook(saved_in_state: bool):
    """A notebook whose one cell shows a widget, the way nbclient or nbval records it."""
    view = {"output_type": "display_data", "metadata": {},
            "data": {"text/plain": "VBox(...)", book_build.WIDGET_VIEW: {"model_id": "box", "version_major": 2}}}
    image = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo=",
                                                                     "text/plain": "<Figure>"}}
    cell = nbformat.v4.new_code_cell("explorer()")
    cell.outputs = [nbformat.from_dict(view)] if saved_in_state else [nbformat.from_dict(image),
                                                                        nbformat.from_dict(view)]
    nb = nbformat.v4.new_notebook(cells=[cell])
    if saved_in_state:
        nb.metadata["widgets"] = {book_build.WIDGET_STATE: {"state": {
            "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_out"]}},
            "out": {"model_name": "OutputModel", "state": {"outputs": [image]}}}}}
    return nb


@pytest.mark.parametrize("saved_in_state", [True, False], ids=["nbclient", "nbval"])
def test_a_widget_becomes_its_first_figure_and_a_note(saved_in_state):
    nb = widget_notebook(saved_in_state)
    assert book_build.static_widgets(nb) == 1
    outputs = nb.cells[0].outputs
    assert [list(o.data)[0] for o in outputs] == ["image/png", "text/markdown"]
    assert "run the notebook" in outputs[1].data["text/markdown"]
    assert "widgets" not in nb.metadata and book_build.figures(nb) == 1


def test_progress_bars_are_left_out_and_forms_get_a_note():
    bar = {"output_type": "display_data", "metadata": {}, "data": {
        "text/plain": "training:   0%|          | 0/6 [00:00<?, ?epoch/s]",
        book_build.WIDGET_VIEW: {"model_id": "bar", "version_major": 2}}}
    form = {"output_type": "execute_result", "metadata": {}, "execution_count": 1, "data": {
        "text/plain": "VBox(children=(Text(value='user'),))",
        book_build.WIDGET_VIEW: {"model_id": "form", "version_major": 2}}}
    cell = nbformat.v4.new_code_cell("run()")
    cell.outputs = [nbformat.from_dict(bar), nbformat.from_dict(form)]
    nb = nbformat.v4.new_notebook(cells=[cell])
    assert book_build.static_widgets(nb) == 1
    assert [o.data["text/markdown"] for o in nb.cells[0].outputs] == [book_build.FORM_NOTE]


def test_results_hidden_by_a_semicolon_stay_hidden():
    shown, quiet = nbformat.v4.new_code_cell("ax.plot(x)"), nbformat.v4.new_code_cell("ax.plot(x);  # quiet")
    for cell in (shown, quiet):
        cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "[<Line2D>]"},
                                               execution_count=1)]
    nb = nbformat.v4.new_notebook(cells=[shown, quiet])
    book_build.hide_quiet_results(nb)
    assert len(nb.cells[0].outputs) == 1 and nb.cells[1].outputs == []


def test_solutions_fold_behind_toggles():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Intro.\n\n<!-- BEGIN SOLUTION -->\nThe answer is $x$.\n<!-- END SOLUTION -->\n"),
        nbformat.v4.new_code_cell("a = None\n# BEGIN SOLUTION\na = 1\n# END SOLUTION"),
        nbformat.v4.new_code_cell("check(a)")])
    book_build.fold_solutions(nb)
    assert ":::{dropdown} Solution\nThe answer is $x$.\n:::" in nb.cells[0].source
    assert nb.cells[1].metadata["tags"] == ["hide-cell"] and "tags" not in nb.cells[2].metadata


def test_the_table_of_contents_comes_from_the_files():
    page = book_build.index_page()
    for lesson in book_build.lessons():
        assert f"notebooks/{lesson.stem}" in page and f"solutions/{lesson.stem}" in page
        assert f"| {lesson.name[:2]} | [{book_build.title(lesson)}](notebooks/{lesson.name})" in page


# ---------------------------------------------------------------- the site (slow)

@pytest.fixture(scope="module")
def site():
    """The built book, served on a loopback port; and the notebooks the build had to run itself."""
    pytest.importorskip("sphinx", reason="the [book] extra is not installed (python3 tasks.py book installs it)")
    pytest.importorskip("myst_nb", reason="the [book] extra is not installed (python3 tasks.py book installs it)")
    messages = []
    html = book_build.build(log=lambda line: (messages.append(line), print(line)))
    ran_again = {line.split()[1] for line in messages if line.startswith("executing ")}
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield html, f"http://127.0.0.1:{server.server_address[1]}/", ran_again
    server.shutdown()


@pytest.mark.slow
@pytest.mark.after_notebooks
@pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications")
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                    "(python3 tasks.py test installs it where apt-get works)")
def test_the_book_in_a_browser(site, request):
    sync_api = pytest.importorskip("playwright.sync_api")
    html, base, ran_again = site
    twice = ran_again & notebooks_written(request.config)
    assert not twice, f"the book ran notebooks again that nbval ran in this session: {sorted(twice)}"
    pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if "_static" not in p.parts)
    figures_drawn = {rel.replace(".ipynb", ".html"): book_build.figures(nbformat.read(book_build.SRC / rel, as_version=4))
                     for rel in (p.relative_to(book_build.SRC).as_posix() for p in book_build.SRC.rglob("*.ipynb"))}
    problems, anchors, links, typeset = [], {}, [], set()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                           "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        outside = []
        page.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
                   if urlparse(route.request.url).hostname != "127.0.0.1" else route.continue_())
        errors = []
        page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        for rel in pages:
            errors.clear()
            reply = page.goto(base + rel, wait_until="load")
            if reply is None or reply.status != 200:
                problems.append(f"{rel}: HTTP {reply.status if reply else 'no reply'}")
                continue
            has_math = page.locator("span.math, div.math").count() > 0
            if has_math:   # MathJax's promise settles when it has typeset the whole page
                page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise",
                                       timeout=60_000)
                page.evaluate("() => MathJax.startup.promise")
                if page.locator("mjx-container").count() > 0:
                    typeset.add(rel)
                else:
                    problems.append(f"{rel}: MathJax typeset nothing")
            anchors[rel] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                target = urljoin(base + rel, href)
                if urlparse(target).hostname == "127.0.0.1":
                    links.append((rel, href, target))
            text = page.evaluate("""() => { const main = document.querySelector('main, article, body').cloneNode(true);
                main.querySelectorAll('pre, code, .highlight, mjx-container, script, style, .output')
                    .forEach(e => e.remove());
                return main.innerText; }""")
            raw = RAW_MATH.search(text)
            if raw:
                problems.append(f"{rel}: raw math left in the text: {text[max(0, raw.start() - 40):raw.end() + 40]!r}")
            if rel in figures_drawn:
                shown = page.locator("main img, article img").count()
                if shown < figures_drawn[rel]:
                    problems.append(f"{rel}: shows {shown} figures, the notebook drew {figures_drawn[rel]}")
            problems += [f"{rel}: {e}" for e in errors]
        # search
        page.goto(base + "search.html?q=MASE", wait_until="load")
        page.wait_for_function("document.querySelectorAll('#search-results li, ul.search li').length > 0",
                               timeout=60_000)
        hits = page.eval_on_selector_all("#search-results li a, ul.search li a", "els => els.map(e => e.href)")
        if not any("03_arma" in h for h in hits):
            problems.append(f"search for MASE does not find lesson 03: {hits[:5]}")
        # a screenshot of a lesson page, at its LSTM picture
        page.goto(base + "notebooks/05_lstm_gru_next_item.html", wait_until="load")
        page.wait_for_function("document.querySelectorAll('mjx-container').length > 0", timeout=60_000)
        page.locator("main img").first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTEFACTS / "book_lesson05.png"))
        browser.close()
    for rel, href, target in links:
        path, fragment = urldefrag(target)
        local = urlparse(path).path[len(urlparse(base).path):] or "index.html"
        if local.endswith("/"):
            local += "index.html"
        if not (html / local).exists():
            problems.append(f"{rel}: link {href!r} points to a missing file")
        elif fragment and local in anchors and fragment not in anchors[local]:
            problems.append(f"{rel}: link {href!r} points to a missing anchor")
    assert not outside, f"pages asked for files outside the machine: {sorted(set(outside))[:5]}"
    assert not problems, "\n".join(problems[:30])
    assert len([p for p in pages if p.startswith("notebooks/")]) == len(book_build.lessons())
    assert {"notebooks/01_autoregressive_models.html", "notebooks/05_lstm_gru_next_item.html"} <= typeset


def test_links_to_repository_files_that_are_not_pages_become_their_paths():
    lesson = ROOT / "notebooks" / "09_case_study.ipynb"
    text = ("[lesson 05](05_lstm_gru_next_item.ipynb), [the card](../datasets/uci-online-retail.md), "
            "[benchmarks/sampled_losses.md](../benchmarks/sampled_losses.md), [sampled losses](../benchmarks/sampled_losses.md), "
            "[Keras](https://keras.io)")
    assert book_build.repository_links_as_paths(text, lesson) == (
        "[lesson 05](05_lstm_gru_next_item.ipynb), [the card](../datasets/uci-online-retail.md), "
        "`benchmarks/sampled_losses.md` (in the repository), sampled losses (`benchmarks/sampled_losses.md` in the repository), "
        "[Keras](https://keras.io)")
