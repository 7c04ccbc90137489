"""Reading times: every lesson header and the README's table state what book/reading_time.py computes."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from book import reading_time
from book.reading_time import lessons, reading_minutes, stated_in_header, stated_in_readme

ROOT = Path(__file__).resolve().parents[1]
FIX = "run `.venv/bin/python -m book.reading_time --write` after editing a lesson"


def test_every_lesson_header_states_the_computed_time():
    wrong = {p.name: (stated_in_header(p), reading_minutes(p)) for p in lessons()
             if stated_in_header(p) != reading_minutes(p)}
    assert not wrong, f"(stated, computed) minutes differ: {wrong}; {FIX}"


def test_the_readme_table_states_the_computed_times():
    computed = {p.name[:2]: reading_minutes(p) for p in lessons()}
    assert stated_in_readme() == computed, FIX


def test_the_method_words_and_code_lines(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("word " * (238 * 10) + "<!-- a comment is not read -->"),
        nbformat.v4.new_code_cell("x = 1\n\n" * 60)])          # 60 non-blank lines: 10 minutes
    path = tmp_path / "method.ipynb"
    nbformat.write(nb, path)
    assert reading_time.counts(path) == (2380, 60)
    assert reading_minutes(path) == 20


def test_a_drifted_header_and_table_are_caught_and_rewritten(tmp_path):
    (tmp_path / "notebooks").mkdir()
    lesson = lessons()[4]
    shutil.copy(lesson, tmp_path / "notebooks" / lesson.name)
    copy = tmp_path / "notebooks" / lesson.name
    nb = nbformat.read(copy, as_version=4)
    nb.cells[0].source = reading_time.HEADER_TIME.sub(r"\g<1>999\g<3>", nb.cells[0].source)
    nbformat.write(nb, copy)
    readme = (ROOT / "README.md").read_text()
    (tmp_path / "README.md").write_text(reading_time.README_ROW.sub(
        lambda m: f"{m.group(1)}999{m.group(4)}" if m.group(2) == lesson.name[:2] else m.group(0), readme))
    assert stated_in_header(copy) == 999 != reading_minutes(copy)
    assert stated_in_readme(tmp_path)[lesson.name[:2]] == 999
    reading_time.write(tmp_path)
    assert stated_in_header(copy) == reading_minutes(copy)
    assert stated_in_readme(tmp_path)[lesson.name[:2]] == reading_minutes(copy)
