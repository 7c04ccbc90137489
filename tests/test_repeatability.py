"""Seeded lessons print the same metric tables when run twice.

Each lesson is executed twice in fresh kernels; a final cell, appended to a
copy (the lesson itself is untouched), prints its leaderboard without the
timing columns, which measure the machine rather than the model.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

LESSONS = {
    # a forecasting lesson: the real-data rolling-origin leaderboard
    "notebooks/03_arma_and_forecast_evaluation.ipynb":
        "print(board.drop(columns=['fit_seconds']).to_csv(float_format='%.6f'))",
    # a next-item lesson: the test leaderboard of baselines, GRU and LSTM
    "notebooks/05_lstm_gru_next_item.ipynb":
        "print(board.drop(columns=['train_s', 'predict_s']).to_csv(float_format='%.6f'))",
}


def printed_tables(path: Path, final_cell: str) -> str:
    """Run a copy of the notebook and return what its appended final cell prints."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(final_cell))
    NotebookClient(nb, timeout=600, kernel_name="course-lib",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")


@pytest.mark.slow
@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_lesson_prints_the_same_tables_twice(lesson):
    first = printed_tables(ROOT / lesson, LESSONS[lesson])
    second = printed_tables(ROOT / lesson, LESSONS[lesson])
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
