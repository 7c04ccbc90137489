"""A pytest plugin that records each test's wall and CPU seconds (``scripts/profile_suite.py``).

Loaded with ``-p suite_cpu_plugin`` (the script puts ``scripts/`` on the path). For every test it
notes the wall seconds and the CPU seconds of the pytest process (``getrusage``) and of the child
processes it waited for in that time (notebook kernels, command lines, scripts: a child's CPU
counts when it is reaped, so a notebook's kernel counts at its last cell). With
``SUITE_CPU_DIR`` set, each pytest process writes its rows to ``<pid>.tsv`` there, and its
command line to ``<pid>.argv``; without it the plugin does nothing.
"""
from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import pytest

DIRECTORY_VARIABLE = "SUITE_CPU_DIR"
_rows: list[tuple[str, float, float, float]] = []


def _cpu_seconds() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    own, children = _cpu_seconds()
    start = time.perf_counter()
    yield   # setup, call and teardown (a module's fixtures end with its last test)
    own_after, children_after = _cpu_seconds()
    _rows.append((item.nodeid, time.perf_counter() - start, own_after - own, children_after - children))


def pytest_sessionfinish(session):
    folder = os.environ.get(DIRECTORY_VARIABLE)
    if not folder:
        return
    path = Path(folder) / f"{os.getpid()}.tsv"
    path.with_suffix(".argv").write_text(" ".join(sys.argv[1:]))
    with open(path, "w") as out:
        out.write("test\twall_s\tcpu_s\tchildren_cpu_s\n")
        for row in _rows:
            out.write("%s\t%.2f\t%.2f\t%.2f\n" % row)
