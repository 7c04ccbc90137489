"""The recorded validation choices serve the lessons that recorded them (after the notebooks).

Lessons 08 and 09 reuse the choices they make on validation from
``datasets/recorded_choices.json`` (and from ``recorded_choices.npz`` the next-item
networks' weights and the fine-tuned classifiers' test scores) when their fingerprint matches, and print
for each whether it was recorded or made again in this run
(``course_lib.evaluate.recorded_choices``). A lesson whose settings changed
without the records being rewritten still runs and prints correct numbers,
only minutes slower, so nothing else would notice. This test reads the copies
that this session's nbval run left in ``build/executed/`` and fails on any
choice made again. It runs in the lessons' group of ``tasks.py test``, after the
notebooks; alone, or where a lesson did not run, it is skipped.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from book.executed import EXECUTED
from course_lib.evaluate.recorded_choices import MADE_HERE, REUSED, SHIPPED_RECORDS, TRAINED_HERE
from notebook_record import notebooks_written

LESSONS = ["notebooks/08_pretrained_behaviour_model.ipynb", "notebooks/09_case_study.ipynb"]
RECORDED = f"{REUSED} {SHIPPED_RECORDS.name}"


def printed(notebook) -> str:
    """Everything a notebook's code cells printed."""
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs)


def choices_made_again(notebook) -> list[str]:
    """The lines of a run that say a choice was made on validation again, or a recorded network
    trained again, instead of reused."""
    return [line.strip() for line in printed(notebook).splitlines() if MADE_HERE in line or TRAINED_HERE in line]


def test_a_choice_made_again_is_found():
    def run(*lines):
        cell = nbformat.v4.new_code_cell("print(*choices.log)")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n")]
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(MADE_HERE), cell])

    assert choices_made_again(run(f"sasrec (next item): {RECORDED}")) == []
    assert choices_made_again(run(f"sasrec (next item): {RECORDED}", f"gru4rec (next item): {MADE_HERE}")) == [
        f"gru4rec (next item): {MADE_HERE}"]
    assert choices_made_again(run(f"sasrec (trained weights): {TRAINED_HERE}")) == [
        f"sasrec (trained weights): {TRAINED_HERE}"]


@pytest.mark.after_notebooks
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda rel: Path(rel).stem[:2])
def test_lessons_reuse_their_recorded_choices(lesson, request):
    if lesson not in notebooks_written(request.config):
        pytest.skip(f"{lesson} did not run completely in this session")
    notebook = nbformat.read(EXECUTED / lesson, as_version=4)
    assert RECORDED in printed(notebook), f"{lesson} printed no choice taken from {SHIPPED_RECORDS.name}"
    again = choices_made_again(notebook)
    assert not again, (f"{lesson} made choices on validation again instead of reusing the records "
                       f"({'; '.join(again)}): its settings or data changed since they were written; "
                       "run python scripts/record_validation_choices.py and commit the file")
