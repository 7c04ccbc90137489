"""Build the course book: a static HTML site of every lesson with its outputs.

    python3 tasks.py book              # (installs the [book] extra once) then this
    .venv/bin/python -m book.build     # the same, in the course's environment

1. Each lesson (``notebooks/NN_*.ipynb``) and each solutions notebook comes
   executed from ``build/executed/``: the copy the test suite's notebook run
   wrote, or, where none is fresh, one this build runs itself (and keeps).
2. Its widgets become the figure they first drew, with a note to run the
   notebook; solution code and text fold behind a toggle.
3. Sphinx with MyST-NB and the book theme writes ``build/book/html``. The
   table of contents is generated from the files in ``notebooks/`` and
   ``solutions/``, so renumbering a lesson needs no edit here.

Open it with ``python3 -m http.server -d build/book/html`` and http://127.0.0.1:8000.
"""
from __future__ import annotations

import argparse
import functools
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat

from book import executed as executed_copies
from book.reading_time import reading_minutes

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "book"
SRC = OUT / "src"
HTML = OUT / "html"

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_NOTE = ("*Interactive in the notebook: its controls redraw this figure. The book shows it "
               "as first drawn; run the notebook in JupyterLab to move them.*")
FORM_NOTE = "*An interactive form in the notebook: run the notebook in JupyterLab to use it.*"
PROGRESS_TEXT = re.compile(r"\d+%\|.*\|\s*\d+/\d+ \[")   # tqdm's text of a progress bar
CODE_SOLUTION = "# BEGIN SOLUTION"
TEXT_SOLUTION = re.compile(r"<!-- BEGIN SOLUTION -->\n?(.*?)<!-- END SOLUTION -->\n?", re.S)
LESSON_TITLE = re.compile(r"^#\s+Lesson\s+\d+\s*·\s*(.+)$", re.M)


def lessons() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def solutions() -> list[Path]:
    return sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def title(path: Path) -> str:
    first = nbformat.read(path, as_version=4).cells[0].source
    found = LESSON_TITLE.search(first)
    return found.group(1).strip() if found else path.stem[3:].replace("_", " ")


# ---------------------------------------------------------------- notebooks for the book

def _widget_models(state: dict, model_id: str, seen=None) -> list[dict]:
    """A widget's saved model and those of all its children (depth first)."""
    seen = seen if seen is not None else set()
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    found = [state[model_id]]
    for child in state[model_id].get("state", {}).get("children", []):
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            found += _widget_models(state, child[len("IPY_MODEL_"):], seen)
    return found


def _is_progress_bar(out, models: list[dict]) -> bool:
    if any(m.get("model_name") == "FloatProgressModel" for m in models):
        return True
    return bool(PROGRESS_TEXT.search(out.get("data", {}).get("text/plain", "")))


def static_widgets(nb) -> int:
    """Replace every widget view by what it drew and a note; drop progress bars; return how many replaced.

    The test run (nbval) records the figure a widget draws as an ordinary output of
    its cell; an nbclient run keeps it in the saved widget state, read here. A
    progress bar (tqdm) says nothing once the run is over, and is left out.
    """
    state = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    replaced = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.outputs:
            view = out.get("data", {}).get(WIDGET_VIEW) if "data" in out else None
            if view is None:
                outputs.append(out)
                continue
            models = _widget_models(state, view.get("model_id", ""))
            if _is_progress_bar(out, models):
                continue
            replaced += 1
            drawn = [saved for m in models for saved in m.get("state", {}).get("outputs", [])]
            outputs += [nbformat.from_dict({"metadata": {}, **saved}) for saved in drawn]
            has_image = any("image/png" in o.get("data", {}) for o in outputs)
            outputs.append(nbformat.v4.new_output(
                "display_data", data={"text/markdown": WIDGET_NOTE if has_image else FORM_NOTE}))
        cell.outputs = outputs
    return replaced


def hide_quiet_results(nb) -> None:
    """Drop the results Jupyter hides (a cell ending with ";"), which nbval's runs record."""
    for cell in nb.cells:
        if cell.cell_type == "code" and executed_copies.hidden_by_semicolon(cell.source):
            cell.outputs = [out for out in cell.outputs if out.output_type != "execute_result"]


def fold_solutions(nb) -> None:
    """Solutions notebook: solution code behind a toggle (hide-cell), solution text in a dropdown."""
    for cell in nb.cells:
        if cell.cell_type == "code" and CODE_SOLUTION in cell.source:
            tags = cell.metadata.setdefault("tags", [])
            if "hide-cell" not in tags:
                tags.append("hide-cell")
        elif cell.cell_type == "markdown":
            cell.source = TEXT_SOLUTION.sub(
                lambda m: f"\n:::{{dropdown}} Solution\n{m.group(1).strip()}\n:::\n\n", cell.source)


def figures(nb) -> int:
    """How many figures (PNG or SVG outputs) a notebook shows."""
    return sum(1 for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
               if {"image/png", "image/svg+xml"} & set(out.get("data", {})))


def _write_if_changed(path: Path, text: str) -> None:
    """Keep a source's mtime when it did not change, so Sphinx rebuilds only what changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def index_page() -> str:
    readme = (ROOT / "README.md").read_text()
    intro = readme.split("\n\n")[1].replace("\n", " ")
    rows = ["| # | lesson | reading | exercises |", "|---|---|---|---|"]
    for lesson in lessons():
        number = lesson.name[:2]
        solution = ROOT / "solutions" / lesson.name
        exercises = f"[exercises]({solution.relative_to(ROOT).as_posix()})" if solution.exists() else ""
        rows.append(f"| {number} | [{title(lesson)}](notebooks/{lesson.name}) | "
                    f"{reading_minutes(lesson)} min | {exercises} |")
    toc = lambda caption, paths: "\n".join(  # noqa: E731
        ["```{toctree}", ":hidden:", ":maxdepth: 1", f":caption: {caption}", "",
         *[p.relative_to(ROOT).with_suffix("").as_posix() for p in paths], "```", ""])
    return "\n".join([
        "# Predicting e-commerce behaviour from event sequences", "", intro, "",
        "This is the course as a book: every lesson as it ran, with its printed numbers and figures. "
        "To run it yourself, clone the repository and type `python3 tasks.py lab`. Interactive "
        "widgets are shown here as the figure they first draw.", "",
        *rows, "",
        "Each lesson's exercises have their worked solutions folded: open a toggle to see one. "
        "New to a term? See the [glossary](GLOSSARY.md). Teaching the course? The "
        "[instructor kit](instructors/README.md) has a 90-minute plan for each lesson and a "
        "[cheat sheet](instructors/cheat_sheet.md).", "",
        toc("Lessons", lessons()), toc("Exercises and solutions", solutions()),
        toc("Reference", [ROOT / "GLOSSARY"]), toc("Data cards", data_cards()),
        "\n".join(["```{toctree}", ":hidden:", ":maxdepth: 1", ":caption: Instructors", "",
                   *[f"instructors/{p.stem}" for p in instructor_pages()], "```", ""]),
    ])


LINK = re.compile(r"\[([^\]]+)\]\(([^)#\s]+)\)")


@functools.lru_cache(maxsize=1)
def book_sources() -> frozenset[Path]:
    """The repository files the book shows as pages (listed once per build)."""
    return frozenset({p.resolve() for p in lessons() + solutions() + data_cards()} | {ROOT / "GLOSSARY.md"})


def repository_links_as_paths(text: str, source: Path) -> str:
    """A page's links to repository files the book does not show become their paths (data cards
    and the lessons' markdown cells).

    ``[benchmarks](../benchmarks/x.md)`` would be a dead link in the site; it
    reads "benchmarks (`benchmarks/x.md` in the repository)" instead.
    """
    def plain(match):
        label, target = match.groups()
        if "://" in target:
            return match.group(0)
        path = (source.parent / target).resolve()
        if path in book_sources() or not path.is_relative_to(ROOT):
            return match.group(0)
        relative = path.relative_to(ROOT).as_posix()
        if label.strip("`") in {target, relative, path.name}:
            return f"`{relative}` (in the repository)"
        return f"{label} (`{relative}` in the repository)"
    return LINK.sub(plain, text)


def instructor_pages() -> list[Path]:
    """The instructor kit (book/instructors/*.md): its index first, the lesson plans, the cheat sheet."""
    folder = ROOT / "book" / "instructors"
    pages = sorted(folder.glob("lesson_*.md")) + [folder / "cheat_sheet.md"]
    return [folder / "README.md", *[p for p in pages if p.exists()]]


def data_cards() -> list[Path]:
    """The data cards (datasets/**/*.md): the lessons link to them."""
    return sorted((ROOT / "datasets").rglob("*.md"))


def prepare(log=print, stale_ok: bool = False) -> dict[str, int]:
    """Write the book's sources into build/book/src; return the figures each page shows.

    ``stale_ok``: take an executed copy even if the notebook or course_lib changed
    since it ran (to rework the book's look without rerunning the lessons).
    """
    SRC.mkdir(parents=True, exist_ok=True)
    wanted = {"index.md", "GLOSSARY.md"}
    shown = {}
    for path in lessons() + solutions():
        nb = executed_copies.executed(path, log=log, stale_ok=stale_ok)
        hide_quiet_results(nb)
        static_widgets(nb)
        if path.parent.name == "solutions":
            fold_solutions(nb)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = repository_links_as_paths(cell.source, path)
        relative = path.relative_to(ROOT).as_posix()
        wanted.add(relative)
        shown[relative] = figures(nb)
        _write_if_changed(SRC / relative, nbformat.writes(nb))
    _write_if_changed(SRC / "GLOSSARY.md", (ROOT / "GLOSSARY.md").read_text())
    for card in data_cards():
        relative = card.relative_to(ROOT).as_posix()
        wanted.add(relative)
        _write_if_changed(SRC / relative, repository_links_as_paths(card.read_text(), card))
    for page in instructor_pages():
        relative = f"instructors/{page.name}"
        wanted.add(relative)
        _write_if_changed(SRC / relative, page.read_text())
    _write_if_changed(SRC / "index.md", index_page())
    for stale in SRC.rglob("*"):
        if stale.is_file() and stale.relative_to(SRC).as_posix() not in wanted:
            stale.unlink()
    return shown


def build(log=print, clean: bool = False, stale_ok: bool = False) -> Path:
    """Prepare the sources and run Sphinx; return the folder of the site."""
    from sphinx.cmd.build import build_main

    started = time.perf_counter()
    if clean:
        shutil.rmtree(OUT, ignore_errors=True)
    prepare(log, stale_ok=stale_ok)
    prepared = time.perf_counter()
    log(f"sources ready in {prepared - started:.0f} s; running Sphinx")
    shutil.rmtree(HTML, ignore_errors=True)  # -E rewrites every page; this drops pages of renamed lessons
    code = build_main(["-b", "html", "-E", "-c", str(ROOT / "book"), "-d", str(OUT / "doctrees"),
                       "-q", str(SRC), str(HTML)])
    if code:
        raise SystemExit(f"Sphinx failed (exit {code}): see the messages above")
    log(f"book written to {HTML.relative_to(ROOT)}/ in {time.perf_counter() - started:.0f} s "
        f"(Sphinx {time.perf_counter() - prepared:.0f} s). Open it with:\n"
        f"  python3 -m http.server -d {HTML.relative_to(ROOT)} 8000   # then http://127.0.0.1:8000")
    return HTML


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build the course book (static HTML).")
    parser.add_argument("--clean", action="store_true", help="start from nothing (keeps build/executed/)")
    parser.add_argument("--stale-ok", action="store_true",
                        help="reuse executed copies even if a notebook or course_lib changed since")
    args = parser.parse_args(argv)
    build(clean=args.clean, stale_ok=args.stale_ok)
    return 0


if __name__ == "__main__":
    sys.exit(main())
