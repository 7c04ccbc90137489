#!/usr/bin/env python3
"""Generate exercises/ from solutions/, and keep committed notebooks clean.

    python scripts/make_exercises.py            # write exercises/NN_*.ipynb from solutions/
    python scripts/make_exercises.py --check    # exit 1 if a committed copy differs (the tests run this)
    python scripts/make_exercises.py --refresh  # first re-run solutions/ to record their verdicts

Conventions in a solutions notebook:

* code between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` (and markdown between
  ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->``) is removed from the
  exercise; the line before the block sets the answer to ``None``;
* a check cell starts with ``# NBVAL_CHECK_OUTPUT``: nbval compares its printed
  verdict with the one stored in the notebook. Solutions store "correct"
  (recorded by ``--refresh`` from a real run); exercises store "not attempted".

Every other output is stripped and execution counts are cleared, in all three
folders, so notebooks stay small and diffs stay readable.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.course.exercise import NOT_ATTEMPTED, verdict_text  # noqa: E402

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
CODE_BLOCK = re.compile(r"^[ \t]*# BEGIN SOLUTION\n.*?^[ \t]*# END SOLUTION[ \t]*\n?", re.M | re.S)
MD_BLOCK = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->\n?", re.S)
EXERCISE_ID = re.compile(r"Exercise (\S+?):")


def is_check_cell(cell) -> bool:
    return cell.cell_type == "code" and cell.source.lstrip().startswith(CHECK_MARK)


def clean(nb, keep_check_outputs: bool):
    """Strip outputs (except check-cell verdicts if asked), counts and run metadata."""
    nb.metadata.pop("widgets", None)
    code_cells = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code_cells += 1
        cell.execution_count = None
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        if keep_check_outputs and is_check_cell(cell):
            # nbval refuses a stored output of a cell that "never ran": give it its position
            cell.execution_count = code_cells
        else:
            cell.outputs = []
    return nb


def to_exercise(solution):
    """The exercise notebook for one solutions notebook (a new object)."""
    nb = nbformat.reads(nbformat.writes(solution), as_version=4)
    cells = []
    for cell in nb.cells:
        if "solution" in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown":
            cell.source = MD_BLOCK.sub("", cell.source).strip("\n")
        elif cell.cell_type == "code":
            if is_check_cell(cell):
                text = "".join(o.get("text", "") for o in cell.outputs)
                found = EXERCISE_ID.search(text)
                if not found:
                    raise SystemExit(f"a check cell has no recorded verdict: run with --refresh "
                                     f"({cell.source.splitlines()[-1]})")
                cell.outputs = [nbformat.v4.new_output(
                    "stream", name="stdout", text=verdict_text(found.group(1), NOT_ATTEMPTED) + "\n")]
            else:
                cell.source = CODE_BLOCK.sub("", cell.source).rstrip("\n")
        cells.append(cell)
    nb.cells = cells
    return clean(nb, keep_check_outputs=True)


def refresh(path: Path) -> None:
    """Run a solutions notebook and record its check cells' verdicts (all must be correct)."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        if is_check_cell(cell):
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            if ": correct" not in text:
                raise SystemExit(f"{path.name}: a solution does not pass its checker:\n{text}")
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    nbformat.write(clean(nb, keep_check_outputs=True), path)


def expected_files() -> dict[Path, str]:
    """Every generated or cleaned notebook, as the text it should have on disk."""
    files = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        files[path] = nbformat.writes(clean(nbformat.read(path, as_version=4), False)) + "\n"
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        solution = nbformat.read(path, as_version=4)
        files[path] = nbformat.writes(clean(solution, True)) + "\n"
        files[ROOT / "exercises" / path.name] = nbformat.writes(to_exercise(solution)) + "\n"
    return files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    parser.add_argument("--refresh", action="store_true", help="re-run solutions/ first")
    args = parser.parse_args(argv)
    if args.refresh:
        for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
            print(f"running {path.relative_to(ROOT)}")
            refresh(path)
    stale = []
    for path, text in expected_files().items():
        current = path.read_text() if path.exists() else None
        if current != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.parent.mkdir(exist_ok=True)
                tmp = path.with_suffix(".partial")
                tmp.write_text(text)
                tmp.replace(path)
    if args.check and stale:
        print("out of date (run python scripts/make_exercises.py):")
        for p in stale:
            print(f"  {p}")
        return 1
    if not args.check:
        print(f"{len(stale)} notebook(s) written" if stale else "all notebooks up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
