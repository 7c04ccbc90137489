"""The one place where the Keras backend and the thread counts are chosen.

Used by every lesson: ``import course_lib`` runs :func:`configure` before
Keras is imported.

* Backend: JAX unless ``KERAS_BACKEND`` is already set (``tensorflow`` or
  ``torch`` work too: the course only uses ``keras.ops``). JAX was measured
  the fastest for the course's small models on a 2-core CPU.
* Threads: a 2-core laptop is easily oversubscribed (BLAS threads times XLA
  threads times data workers); ``COURSE_THREADS`` (default: the number of
  cores) sets the size of the BLAS thread pools.
"""
from __future__ import annotations

import os

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
    return chosen


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
