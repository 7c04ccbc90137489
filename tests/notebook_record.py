"""Test-suite plugin: keep what nbval's notebook run produced, so nothing runs a lesson twice.

* Every notebook that nbval runs completely and without a failure is written,
  with the outputs of its cells, to ``build/executed/`` (``book/executed.py``);
  the book (``python3 tasks.py book``) reuses these copies.
* Tests marked ``after_notebooks`` run after the notebooks (they use the above).
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from book import executed as executed_copies

ROOT = Path(__file__).resolve().parents[1]

_RUNS = pytest.StashKey[dict]()
_WRITTEN = pytest.StashKey[set]()


def pytest_configure(config):
    config.addinivalue_line("markers", "after_notebooks: runs after the notebooks (uses their runs)")
    config.stash[_RUNS] = {}
    config.stash[_WRITTEN] = set()


def pytest_collection_modifyitems(session, config, items):
    later = [item for item in items if item.get_closest_marker("after_notebooks")]
    if later:
        items[:] = [item for item in items if not item.get_closest_marker("after_notebooks")] + later


def notebooks_written(config) -> set[str]:
    """Notebooks (relative, posix) whose executed copy this session's nbval run wrote."""
    return config.stash[_WRITTEN]


def _is_notebook_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell"


def _relative(item) -> str:
    return Path(str(item.parent.fspath)).resolve().relative_to(ROOT).as_posix()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when != "call" or not _is_notebook_cell(item):
        return
    report = outcome.get_result()
    runs = item.config.stash[_RUNS]
    run = runs.setdefault(item.parent, {"outputs": {}, "failed": False,
                                        "stamp": executed_copies.stamp(Path(str(item.parent.fspath)))})
    run["outputs"][item.cell_num] = list(getattr(item, "test_outputs", []) or [])
    run["failed"] |= report.failed


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    if _is_notebook_cell(item) and (nextitem is None or nextitem.parent is not item.parent):
        try:
            _finish(item)
        except Exception as error:  # a record, never a reason for a test to fail
            item.config.get_terminal_writer().line(f"[notebook_record] {_relative(item)}: {error}")
    yield


def _finish(item) -> None:
    """The last cell of a notebook ran: write its executed copy."""
    run = item.config.stash[_RUNS].pop(item.parent, None)
    path = Path(str(item.parent.fspath)).resolve()
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if run is None or run["failed"] or len(run["outputs"]) != len(code):
        return  # a failure, or only some cells selected: no copy
    relative = _relative(item)
    for number, cell in enumerate(code):
        cell.outputs = [nbformat.from_dict(dict(out)) for out in run["outputs"][number]]
        cell.execution_count = number + 1
        for out in cell.outputs:
            if out.output_type == "execute_result":
                out.execution_count = number + 1
    executed_copies.write_copy(path, nb, stamp_value=run["stamp"], executed_by="nbval (test suite)")
    item.config.stash[_WRITTEN].add(relative)
