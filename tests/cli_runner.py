"""Run ``course-lib`` commands for the tests, in the test's own process.

``course_lib_command(*args)`` calls :func:`course_lib.cli.main` with ``args`` and returns
what ``subprocess.run([python, "-m", "course_lib", *args], capture_output=True,
text=True)`` would: the exit code and everything printed on stdout and stderr.
An exception that escapes ``main`` becomes exit code 1 with its traceback on
stderr, as Python would print it; ``SystemExit`` (argparse's errors, ``--help``)
keeps its code.

Why in-process: a fresh Python spends about 3.6 s importing Keras and JAX
(benchmarks/imports.md) before the command does anything, and the suite runs
about 40 commands. A few tests still start a real process where that is what
they test: the installed ``course-lib`` script, environment variables read at
start-up (``env=``), and two virtual devices.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout


def course_lib_command(*args, cwd=None, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``course-lib ARGS``: in this process, or in a fresh one when ``env`` is given."""
    argv = [str(a) for a in args]
    if env is not None:   # start-up reads the environment: only a fresh process sees it
        return subprocess.run([sys.executable, "-m", "course_lib", *argv], capture_output=True, text=True,
                              cwd=cwd, env=env, timeout=timeout)
    from course_lib.cli import main

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if not isinstance(exc.code, (int, type(None))):
                    print(exc.code, file=sys.stderr)
            except Exception:   # what Python prints for an uncaught error, and its exit code
                traceback.print_exc()
                code = 1
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(["course-lib", *argv], code or 0, out.getvalue(), err.getvalue())
