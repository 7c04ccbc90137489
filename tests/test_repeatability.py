"""Seeded lessons print the same metric tables when run twice.

The first run is the suite's own nbval run of the lesson: after its last cell,
``notebook_record.py`` runs a snippet in nbval's kernel that prints the
lesson's leaderboard without the timing columns. This test runs the lesson once
more in a fresh kernel, with the same snippet appended to a copy (the lesson
itself is untouched), and compares. Where nbval did not run the lesson in this
session (a selection of tests), the test runs it twice itself.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from notebook_record import REPEATABILITY, nbval_tables, notebooks_written

ROOT = Path(__file__).resolve().parents[1]


def printed_tables(path: Path, final_cell: str) -> str:
    """Run a copy of the notebook and return what its appended final cell prints."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(final_cell))
    NotebookClient(nb, timeout=600, kernel_name="course-lib",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return "".join(o.get("text", "") for o in nb.cells[-1].outputs
                   if o.output_type == "stream" and o.get("name") == "stdout")


@pytest.mark.slow
@pytest.mark.after_notebooks
@pytest.mark.parametrize("lesson", sorted(REPEATABILITY))
def test_lesson_prints_the_same_tables_twice(lesson, request):
    first = nbval_tables(request.config).get(lesson)
    if lesson in notebooks_written(request.config):
        assert first is not None, "nbval ran the lesson but its tables were not kept"
    if first is None:  # nbval did not run this lesson in this session
        first = printed_tables(ROOT / lesson, REPEATABILITY[lesson])
    second = printed_tables(ROOT / lesson, REPEATABILITY[lesson])
    assert first.count("\n") >= 4, first
    assert first == second


def test_an_unseeded_copy_is_caught(tmp_path):
    """A deliberately broken lesson (no seed): the comparison must see the difference."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import numpy as np\nimport pandas as pd\n"
        "board = pd.DataFrame({'model': ['a', 'b'], 'MAE': np.random.default_rng().random(2)})")])
    path = tmp_path / "99_unseeded.ipynb"
    nbformat.write(nb, path)
    first = printed_tables(path, "print(board.to_csv())")
    second = printed_tables(path, "print(board.to_csv())")
    assert first != second
