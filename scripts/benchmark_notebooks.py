#!/usr/bin/env python3
"""Time every notebook (lessons, solutions, exercises) and keep the record.

    python scripts/benchmark_notebooks.py [pytest selection...]

Runs the notebooks through the test suite's own nbval run (same kernel, same
offline guard) and copies the per-notebook timings it writes to
``benchmarks/notebook_timings.csv``. A record of how long lessons take on the
machine that ran it, never an assertion. It times a learner's *first* run:
JAX's compilation cache starts empty (a temporary folder, shared by the
notebooks of this run as a learner's own cache would be).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    selection = sys.argv[1:] or ["notebooks", "solutions", "exercises"]
    with tempfile.TemporaryDirectory(prefix="course-lib-jax-") as cache:
        env = {**os.environ, "JAX_COMPILATION_CACHE_DIR": cache}
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                *selection], cwd=ROOT, env=env)
    source = ROOT / "build" / "notebook_timings.csv"
    if source.exists():
        (ROOT / "benchmarks").mkdir(exist_ok=True)
        shutil.copy(source, ROOT / "benchmarks" / "notebook_timings.csv")
        print((ROOT / "benchmarks" / "notebook_timings.csv").read_text())
    return code


if __name__ == "__main__":
    sys.exit(main())
