"""The one place where the Keras backend and the thread counts are chosen.

Used by every lesson: ``import course_lib`` runs :func:`configure` before
Keras is imported.

* Backend: JAX unless ``KERAS_BACKEND`` is already set (``tensorflow`` or
  ``torch`` work too: the course only uses ``keras.ops``). JAX was measured
  the fastest for the course's small models on a 2-core CPU.
* Threads: the BLAS and OpenMP pools (``OPENBLAS/OMP/MKL_NUM_THREADS``) get
  :data:`DEFAULT_BLAS_THREADS` = 1 thread, or ``COURSE_THREADS`` if set; a
  variable already in the environment wins. Measured on a 2-core machine
  (benchmarks/threads.md): with two BLAS threads, statsmodels' ARIMA fits of
  ``course-lib forecast`` took 19 times the CPU time of one thread (OpenBLAS's
  threads spin while they wait, and on a busy machine they wait a lot), while
  training, scoring, the baselines and loading gained nothing from a second
  BLAS thread. XLA's own thread settings and Arrow's pool made no measurable
  difference, so they are left as they are.
* Compiling: XLA generates its CPU code at LLVM's optimisation level 1
  (:data:`XLA_CPU_FLAGS`) instead of its default 3. Measured on this 2-core
  machine (``scripts/benchmark_xla_level.py``, benchmarks/xla_level.md):
  compiling four small next-item networks took about a third less CPU time
  (13.2 s against 20.6 s, medians of 3), training a GRU and SASRec on a
  200,000-event shop no longer, and every loss and score was bit for bit the
  same. Level 0 compiles faster still but trains 2-2.5 times slower. A level
  already in ``XLA_FLAGS`` wins; other flags there are kept.
* Memory: glibc's malloc keeps freed memory for the next training step
  (:func:`keep_freed_memory`), instead of mapping it afresh every step.
* Compilations: JAX keeps the programs it compiles in a cache on disk
  (:func:`compilation_cache_dir`), so a second run of a lesson, and a second
  model of the same shape within one run, skips the compiler. Measured on
  lesson 07 (2 cores): a first run spent 37 s of its 114 s compiling; with
  the cache, 26 s on the first run (12 programs were built twice) and 2 s on
  the second, which took 77 s in all. ``COURSE_COMPILE_CACHE=0`` turns it
  off; ``JAX_COMPILATION_CACHE_DIR`` moves it.
"""
from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

DEFAULT_BACKEND = "jax"
#: BLAS/OpenMP threads unless ``COURSE_THREADS`` or the variables themselves say otherwise
DEFAULT_BLAS_THREADS = 1

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: added to ``XLA_FLAGS`` unless it names an optimisation level itself (see the module's notes)
XLA_CPU_FLAGS = "--xla_backend_optimization_level=1"


def compilation_cache_dir() -> Path:
    """Where JAX keeps compiled programs between runs: ``$XDG_CACHE_HOME/course-lib/jax``
    (``~/.cache/course-lib/jax``). A few MB per lesson; safe to delete at any time."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "course-lib" / "jax"


def configure(backend: str | None = None, threads: int | None = None) -> str:
    """Choose the Keras backend and BLAS thread counts; return the backend.

    Must run before ``import keras`` (and before NumPy loads its BLAS) to take
    effect. Values already in the environment win, so a user can override
    either from the shell: ``COURSE_THREADS=2`` for all three pools, or one
    variable such as ``OPENBLAS_NUM_THREADS=2``.
    """
    chosen = backend or os.environ.get("KERAS_BACKEND") or DEFAULT_BACKEND
    os.environ["KERAS_BACKEND"] = chosen
    if threads is None:
        threads = int(os.environ.get("COURSE_THREADS", "0")) or DEFAULT_BLAS_THREADS
    for name in _THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))
    # JAX/XLA on CPU: keep its logging quiet and its memory small.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    os.environ["XLA_FLAGS"] = with_course_xla_flags(os.environ.get("XLA_FLAGS", ""))
    if os.environ.get("COURSE_COMPILE_CACHE", "1") != "0":
        # every program, however quick to compile: the course's are many and small
        os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(compilation_cache_dir()))
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    if os.environ.get("COURSE_MALLOC_TUNING", "1") != "0":
        keep_freed_memory()
    return chosen


def with_course_xla_flags(flags: str) -> str:
    """``flags`` (the user's ``XLA_FLAGS``) with :data:`XLA_CPU_FLAGS` added, unless they set
    the optimisation level themselves."""
    if "--xla_backend_optimization_level" in flags:
        return flags
    return f"{flags} {XLA_CPU_FLAGS}".strip()


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
