"""`python3 tasks.py reset-exercises`: fresh exercises again, and never a learner's work lost."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from reset_exercises import BACKUPS, reset  # noqa: E402

LESSON = "01_autoregressive_models.ipynb"


def course(tmp_path: Path) -> Path:
    """A course folder with one lesson's solutions and its committed exercise notebook."""
    (tmp_path / "solutions").mkdir()
    (tmp_path / "exercises").mkdir()
    shutil.copy(ROOT / "solutions" / LESSON, tmp_path / "solutions" / LESSON)
    shutil.copy(ROOT / "exercises" / LESSON, tmp_path / "exercises" / LESSON)
    return tmp_path


def answer(path: Path, text: str = "phi_answer = 0.5  # the learner's own answer") -> None:
    nb = nbformat.read(path, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code" and "None" in c.source)
    code.source = text
    nbformat.write(nb, path)


def test_the_committed_exercises_are_fresh_and_a_missing_one_is_written(tmp_path):
    root = course(tmp_path)
    committed = (root / "exercises" / LESSON).read_text()
    assert reset(root) == {LESSON: "fresh"}
    (root / "exercises" / LESSON).unlink()
    assert reset(root) == {LESSON: "written"}
    assert (root / "exercises" / LESSON).read_text() == committed


def test_a_notebook_that_was_only_run_is_reset(tmp_path):
    root = course(tmp_path)
    path = root / "exercises" / LESSON
    nb = nbformat.read(path, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.execution_count = 3
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
    nbformat.write(nb, path)
    assert reset(root) == {LESSON: "written"}
    assert "ran\n" not in path.read_text()
    assert not (root / BACKUPS).exists()


def test_an_edited_notebook_is_kept_and_with_force_backed_up_first(tmp_path):
    root = course(tmp_path)
    path = root / "exercises" / LESSON
    answer(path)
    edited = path.read_text()
    messages = []
    assert reset(root, log=messages.append) == {LESSON: "kept"}
    assert path.read_text() == edited, "an edited notebook was overwritten without --force"
    assert "--force" in messages[0]
    assert reset(root, force=True) == {LESSON: "backed up and reset"}
    backups = list((root / BACKUPS).rglob(LESSON))
    assert len(backups) == 1 and backups[0].read_text() == edited
    assert path.read_text() == (ROOT / "exercises" / LESSON).read_text()


def test_the_command_refuses_with_exit_1_and_names_the_lesson_filter(tmp_path):
    root = course(tmp_path)
    answer(root / "exercises" / LESSON)
    script = ROOT / "scripts" / "reset_exercises.py"
    run = subprocess.run([sys.executable, str(script), "--root", str(root)], capture_output=True, text=True)
    assert run.returncode == 1 and "kept because you edited them" in run.stdout
    other = subprocess.run([sys.executable, str(script), "--root", str(root), "02"], capture_output=True, text=True)
    assert other.returncode != 0 and "no exercises for lesson(s) 02" in other.stderr
    assert "tasks.py reset-exercises" in (ROOT / "book" / "instructors" / "README.md").read_text()
