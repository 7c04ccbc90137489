"""The one place where the Keras backend and the thread counts are chosen.

Used by every lesson: ``import course_lib`` runs :func:`configure` before
Keras is imported.

* Backend: JAX unless ``KERAS_BACKEND`` is already set (``tensorflow`` or
  ``torch`` work too: the course only uses ``keras.ops``). JAX was measured
  the fastest for the course's small models on a 2-core CPU.
* Threads: a 2-core laptop is easily oversubscribed (BLAS threads times XLA
  threads times data workers); ``COURSE_THREADS`` (default: the number of
  cores) sets the size of the BLAS thread pools.
* Memory: glibc's malloc keeps freed memory for the next training step
  (:func:`keep_freed_memory`), instead of mapping it afresh every step.
"""
from __future__ import annotations

import ctypes
import os
import sys

DEFAULT_BACKEND = "jax"

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def configure(backend: str | None = None, threads: int | None = None) -> str:
    """Choose the Keras backend and BLAS thread counts; return the backend.

    Must run before ``import keras`` to take effect. Values already in the
    environment win, so a user can override either from the shell.
    """
    chosen = backend or os.environ.get("KERAS_BACKEND") or DEFAULT_BACKEND
    os.environ["KERAS_BACKEND"] = chosen
    if threads is None:
        threads = int(os.environ.get("COURSE_THREADS", "0")) or (os.cpu_count() or 1)
    for name in _THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))
    # JAX/XLA on CPU: keep its logging quiet and its memory small.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    if os.environ.get("COURSE_MALLOC_TUNING", "1") != "0":
        keep_freed_memory()
    return chosen


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse; True if it could (Linux with glibc).

    Every training step allocates and frees the same temporary buffers (a
    few MB to tens of MB). By default glibc hands large freed blocks back
    to the system and maps them again at the next step: each new page is a
    page fault, counted as *system* time, which on the course's models was
    as large as the training itself (benchmarks/threads.md). Keeping freed
    memory (``M_TRIM_THRESHOLD``) and serving blocks up to glibc's limit of
    32 MiB from the heap (``M_MMAP_THRESHOLD``) removes those faults;
    buffers above 32 MiB are always mapped afresh, which is why
    :class:`course_lib.evaluate.tuning.TrainingRule` keeps a step's memory
    under it. ``COURSE_MALLOC_TUNING=0`` turns this off.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(mallopt(M_MMAP_THRESHOLD, 32 * 2**20) and mallopt(M_TRIM_THRESHOLD, 2**30))


def versions() -> dict[str, str]:
    """Versions of the packages the course depends on (lesson 00 prints them)."""
    import importlib.metadata as md

    names = ["python", "course-lib", "numpy", "pandas", "pyarrow", "matplotlib",
             "statsmodels", "scikit-learn", "keras", "jax", "ipywidgets"]
    out = {}
    for name in names:
        if name == "python":
            import platform

            out[name] = platform.python_version()
            continue
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    out["keras backend"] = os.environ.get("KERAS_BACKEND", "?")
    return out
