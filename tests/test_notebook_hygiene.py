"""Committed notebooks: stripped, small, named alike in three folders, shaped like the book.

Policy: outputs are not committed (they are produced by running), except the
verdict lines of exercise check cells, which nbval compares. Budget: 150 KB
per notebook file.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ["notebooks", "solutions", "exercises"]
ALL = sorted(p for f in FOLDERS for p in (ROOT / f).glob("*.ipynb"))
BUDGET_BYTES = 150_000
MACHINE_PATHS = re.compile(r"(/root/|/home/\w|/Users/\w|C:\\\\Users|/work/|/tmp/pytest|\.venv/)")
NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


def cells(path):
    return json.loads(path.read_text())["cells"]


def test_there_are_notebooks():
    assert len(ALL) >= 3


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_clean_and_small(path):
    nb = json.loads(path.read_text())
    assert path.stat().st_size <= BUDGET_BYTES, f"{path.name} is over the {BUDGET_BYTES:,}-byte budget"
    assert NAME.match(path.name), "names are NN_short_topic.ipynb"
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}, nb["metadata"].keys()
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        assert not MACHINE_PATHS.search(source), f"machine path in {path.name}: {source[:80]}"
        if cell["cell_type"] != "code":
            continue
        assert set(cell.get("metadata", {})) <= {"tags"}
        if source.startswith("# NBVAL_CHECK_OUTPUT") and path.parent.name != "notebooks":
            text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
            assert re.fullmatch(r". Exercise \S+: (correct|not attempted)[^\n]*\n", text), text
        else:
            assert cell["outputs"] == [], f"committed output in {path.name}: {source[:60]}"
            assert cell.get("execution_count") is None


def test_every_lesson_has_its_solution_and_exercise_twin():
    lessons = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    solutions = {p.name for p in (ROOT / "solutions").glob("*.ipynb")}
    exercises = {p.name for p in (ROOT / "exercises").glob("*.ipynb")}
    assert solutions == exercises
    assert solutions <= lessons
    assert {n for n in lessons if n[:2] <= "00"} <= solutions


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_lesson_has_the_book_shape(path):
    c = cells(path)
    head = "".join(c[0]["source"])
    assert c[0]["cell_type"] == "markdown" and head.startswith(f"# Lesson {path.name[:2]}")
    for piece in ["What you will learn", "Prerequisites", "Time"]:
        assert piece in head, f"{path.name}: first cell lacks {piece!r}"
    imports = "".join(c[2]["source"]) if c[1]["cell_type"] == "markdown" else "".join(c[1]["source"])
    assert "import course_lib" in imports and "SEED" in imports
    tail = "".join(c[-1]["source"])
    assert "## Summary" in tail and "exercises/" in tail


DOCSTRING_CUT = re.compile(r"__doc__\s*\.\s*split\(")


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_lesson_cuts_text_out_of_a_docstring(path):
    """Text a lesson prints has a home of its own (a module constant), so rewording a
    docstring cannot break a lesson."""
    for cell in cells(path):
        source = "".join(cell["source"])
        assert not DOCSTRING_CUT.search(source), f"{path.name}: {source[:80]}"


def test_the_docstring_check_catches_a_cut():
    assert DOCSTRING_CUT.search('print(session_rnn.__doc__.split("What makes")[1])')
    assert not DOCSTRING_CUT.search("print(session_rnn.WHAT_MAKES_GRU4REC_WORK)")
