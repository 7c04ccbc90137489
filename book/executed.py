"""Executed copies of the course notebooks in ``build/executed/``, shared by the tests and the book.

The test suite's notebook run (nbval) records every cell's outputs and writes a
copy here (``tests/notebook_record.py``); the book reuses a copy whose stamp
matches the notebook, the library and the data as they are now, and executes
the others itself with nbclient (its own cache). So a CI run that tests and
then builds the book runs every lesson once.
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "build" / "executed"
KERNEL = "course-lib"


def stamp(path: Path) -> str:
    """A digest of what a notebook's outputs depend on: its file, course_lib's source, the data."""
    digest = hashlib.sha256()
    digest.update(Path(path).read_bytes())
    for source in sorted((ROOT / "course_lib").rglob("*.py")):
        digest.update(source.relative_to(ROOT).as_posix().encode())
        digest.update(source.read_bytes())
    data = os.environ.get("COURSE_DATA_DIR", "")
    digest.update(f"data:{sorted(os.listdir(data)) if data and os.path.isdir(data) else None}".encode())
    return digest.hexdigest()[:20]


def hidden_by_semicolon(source: str) -> bool:
    """Whether IPython hides a cell's result: its last line of code ends with ";".

    nbval runs cells without storing them in IPython's history, where IPython
    looks for the semicolon, so its runs show results that Jupyter hides.
    """
    lines = [line.split("#")[0].rstrip() for line in source.splitlines()]
    code = [line for line in lines if line]
    return bool(code) and code[-1].endswith(";")


def copy_path(path: Path) -> Path:
    """Where the executed copy of ``path`` (a notebook inside the repository) lives."""
    return EXECUTED / Path(path).resolve().relative_to(ROOT)


def write_copy(path: Path, nb, *, stamp_value: str, executed_by: str) -> Path:
    """Write ``nb`` as the executed copy of ``path`` (whole file or nothing), stamped."""
    nb.metadata["course_executed"] = {"stamp": stamp_value, "by": executed_by,
                                      "date": time.strftime("%Y-%m-%d %H:%M")}
    target = copy_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    nbformat.write(nb, partial)
    partial.replace(target)
    return target


def fresh_copy(path: Path, stale_ok: bool = False):
    """The executed copy of ``path`` if its stamp matches the notebook as it is now, else None."""
    target = copy_path(path)
    if not target.exists():
        return None
    nb = nbformat.read(target, as_version=4)
    if not stale_ok and nb.metadata.get("course_executed", {}).get("stamp") != stamp(path):
        return None
    return nb


def execute(path: Path, timeout: int = 1200):
    """Run ``path`` top to bottom in a fresh course-lib kernel, keep widget state, write the copy."""
    from nbclient import NotebookClient

    path = Path(path).resolve()
    stamp_value = stamp(path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name=KERNEL, store_widget_state=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    write_copy(path, nb, stamp_value=stamp_value, executed_by="nbclient (book build)")
    return nb


def executed(path: Path, *, log=print, stale_ok: bool = False):
    """The executed notebook: the test run's or the last build's copy if fresh, else a new run."""
    nb = fresh_copy(path, stale_ok=stale_ok)
    if nb is not None:
        return nb
    log(f"executing {Path(path).resolve().relative_to(ROOT)} (no fresh copy in build/executed/)")
    started = time.perf_counter()
    nb = execute(path)
    log(f"  done in {time.perf_counter() - started:.0f} s")
    return nb
