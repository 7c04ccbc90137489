"""Test-suite plugin: keep what nbval's notebook run produced, so nothing runs a lesson twice.

* Every notebook that nbval runs completely and without a failure is written,
  with the outputs of its cells, to ``build/executed/`` (``book/executed.py``);
  the book (``python3 tasks.py book``) reuses these copies.
* For the lessons in :data:`REPEATABILITY`, a final snippet runs in nbval's own
  kernel after the last cell and its printed tables are kept for this session;
  ``test_repeatability.py`` compares them with one fresh run.
* Tests marked ``after_notebooks`` run after the notebooks (they use the above).
"""
from __future__ import annotations

from pathlib import Path
from queue import Empty

import nbformat
import pytest

from book import executed as executed_copies

ROOT = Path(__file__).resolve().parents[1]

# lesson -> a snippet printing its metric tables without the timing columns,
# which measure the machine rather than the model
REPEATABILITY = {
    # a forecasting lesson: the real-data rolling-origin leaderboard
    "notebooks/03_arma_and_forecast_evaluation.ipynb":
        "print(board.drop(columns=['fit_seconds']).to_csv(float_format='%.6f'))",
    # a next-item lesson: the test leaderboard of baselines, GRU and LSTM
    "notebooks/05_lstm_gru_next_item.ipynb":
        "print(board.drop(columns=['train_s', 'predict_s']).to_csv(float_format='%.6f'))",
}

_TABLES = pytest.StashKey[dict]()
_RUNS = pytest.StashKey[dict]()
_WRITTEN = pytest.StashKey[set]()


def pytest_configure(config):
    config.addinivalue_line("markers", "after_notebooks: runs after the notebooks (uses their runs)")
    config.stash[_TABLES] = {}
    config.stash[_RUNS] = {}
    config.stash[_WRITTEN] = set()


def pytest_collection_modifyitems(session, config, items):
    later = [item for item in items if item.get_closest_marker("after_notebooks")]
    if later:
        items[:] = [item for item in items if not item.get_closest_marker("after_notebooks")] + later


def nbval_tables(config) -> dict[str, str]:
    """lesson path (relative, posix) -> what its REPEATABILITY snippet printed in nbval's kernel."""
    return config.stash[_TABLES]


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
    """The last cell of a notebook ran: keep its tables (kernel still alive) and write its copy."""
    run = item.config.stash[_RUNS].pop(item.parent, None)
    path = Path(str(item.parent.fspath)).resolve()
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if run is None or run["failed"] or len(run["outputs"]) != len(code):
        return  # a failure, or only some cells selected: no copy
    relative = _relative(item)
    if relative in REPEATABILITY and item.parent.kernel is not None and item.parent.kernel.is_alive():
        item.config.stash[_TABLES][relative] = _printed(item.parent.kernel, REPEATABILITY[relative])
    for number, cell in enumerate(code):
        cell.outputs = [nbformat.from_dict(dict(out)) for out in run["outputs"][number]]
        cell.execution_count = number + 1
        for out in cell.outputs:
            if out.output_type == "execute_result":
                out.execution_count = number + 1
    executed_copies.write_copy(path, nb, stamp_value=run["stamp"], executed_by="nbval (test suite)")
    item.config.stash[_WRITTEN].add(relative)


def _printed(kernel, snippet: str, timeout: float = 120) -> str:
    """Run ``snippet`` in nbval's kernel and return what it printed on stdout."""
    msg_id = kernel.execute_cell_input(snippet, allow_stdin=False)
    kernel.await_reply(msg_id, timeout=timeout)
    text = []
    while True:
        try:
            msg = kernel.get_message(stream="iopub", timeout=timeout)
        except Empty:
            break
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            text.append(msg["content"]["text"])
        if msg["msg_type"] == "error":
            raise RuntimeError(f"{msg['content']['ename']}: {msg['content']['evalue']}")
    return "".join(text)
