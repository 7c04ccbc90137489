"""Test-suite set-up: offline guard, data location, per-notebook timing file.

* Every process the tests start imports ``tests/offline/sitecustomize.py``
  (via PYTHONPATH), which refuses connections outside loopback.
* The data is what a learner has: the copies shipped in ``datasets/``
  (``COURSE_DATA_DIR`` is left as the caller set it, and is not needed).
* ``tests/notebook_record.py`` keeps nbval's executed notebooks in
  ``build/executed/`` (the book reuses them) and orders ``after_notebooks``
  tests last; ``tests/jupyter_lab.py`` gives one JupyterLab server per session.
* nbval's per-cell durations are added up per notebook and written to
  ``build/notebook_timings.csv`` at the end of the run (a record, never an
  assertion); ``scripts/benchmark_notebooks.py`` times them alone and keeps the
  committed copy. Its ``run`` column says whether they ran alone or, in
  ``tasks.py test``, beside the library's tests (slower).
"""
from __future__ import annotations

import csv
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OFFLINE = ROOT / "tests" / "offline"
TIMINGS = ROOT / "build" / "notebook_timings.csv"

os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(OFFLINE)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
sys.path.insert(0, str(OFFLINE))
import sitecustomize  # noqa: E402,F401  (installs the guard in this process too)

pytest_plugins = ["jupyter_lab", "notebook_record"]

_notebook_seconds: dict[str, float] = defaultdict(float)
_notebook_cells: dict[str, int] = defaultdict(int)
_notebook_failed: dict[str, bool] = defaultdict(bool)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if not path.endswith(".ipynb"):
        return
    _notebook_seconds[path] += report.duration
    if report.when == "call":
        _notebook_cells[path] += 1
    if report.failed:
        _notebook_failed[path] = True


def pytest_sessionfinish(session, exitstatus):
    if not _notebook_seconds:
        return
    TIMINGS.parent.mkdir(exist_ok=True)
    tmp = TIMINGS.with_suffix(".partial")
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["notebook", "seconds", "cells", "outcome", "machine", "date", "run"])
        machine = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
        # tasks.py test runs the lessons beside the library's tests: their times include that
        run = os.environ.get("COURSE_TEST_RUN", "notebooks alone")
        for path in sorted(_notebook_seconds):
            w.writerow([path, f"{_notebook_seconds[path]:.1f}", _notebook_cells[path],
                        "failed" if _notebook_failed[path] else "passed", machine,
                        time.strftime("%Y-%m-%d"), run])
    tmp.replace(TIMINGS)


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("notebook run times (also in build/notebook_timings.csv)")
    for path in sorted(_notebook_seconds):
        terminalreporter.write_line(f"{_notebook_seconds[path]:7.1f} s  {path}")
