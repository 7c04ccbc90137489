#!/usr/bin/env python3
"""Set up and run the course with nothing but Python 3.10+.

    python3 tasks.py lab       # install what the lessons need, then open the course in JupyterLab
    python3 tasks.py test      # install that and the test tools, then run the whole test suite
    python3 tasks.py book      # install the book's tools, then build the course book (build/book/html)
    python3 tasks.py doctor    # check the installation: one line per check, the fix for each failure
    python3 tasks.py install   # install everything (lessons and tests) without running anything
    python3 tasks.py reset-exercises [NN ...] [--force]   # exercises back to their fresh state

``lab`` and ``test`` create ``.venv`` on first use, install the course there
(again only when pyproject.toml changed) and register the ``course-lib``
Jupyter kernel inside the environment. ``lab`` installs only what the lessons
need; pytest, nbval, hypothesis and Playwright come with ``test``, and so do
the ``scale`` extra (DuckDB, pyspark), the ``book`` extra (Sphinx, MyST-NB: the
suite builds the book) and, where apt-get can, Debian's Java 17 for Spark. Without arguments ``test`` runs the suite in timed groups:
the lessons' group and the library's group side by side (see ``run_groups``),
and the Spark tests (``-m spark``) as soon as either is done. Extra arguments go
to JupyterLab or pytest, e.g. ``python3 tasks.py test
notebooks/01_autoregressive_models.ipynb`` or ``python3 tasks.py lab
--no-browser --port 8890``.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
FIRST_LESSON = "notebooks/00_setup_and_data_tour.ipynb"


def say(text: str) -> None:
    print(f"[tasks] {text}", flush=True)


def run(*cmd, **kw) -> int:
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, **kw)


def install(extras: tuple = ("test", "scale")) -> None:
    """Create .venv and install the course into it, once per pyproject.toml version and extras.

    ``extras=()`` (``tasks.py lab``) installs what the lessons need; ``test``
    adds pytest, nbval, hypothesis and Playwright, ``scale`` DuckDB and pyspark.
    """
    if sys.version_info < (3, 10):
        sys.exit(f"Python 3.10 or newer is needed (this is {sys.version.split()[0]}).")
    if not PY.exists():
        say(f"creating the virtual environment {VENV.name}/")
        if run(sys.executable, "-m", "venv", VENV):
            sys.exit("could not create the virtual environment (on Debian/Ubuntu: "
                     "apt-get install python3-venv)")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if stamp.exists() and set(extras) <= set(stamp.read_text().split()[1:]):
        return
    extras = tuple(sorted(set(extras) | (set(stamp.read_text().split()[1:]) if stamp.exists() else set())))
    what = f"[{','.join(extras)}]" if extras else "(what the lessons need)"
    say(f"installing the course and its packages {what} (first time: a few minutes)")
    target = f".[{','.join(extras)}]" if extras else "."
    if run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target):
        sys.exit("pip install failed: see the messages above")
    if run(PY, "-m", "ipykernel", "install", "--sys-prefix", "--name", "course-lib",
           "--display-name", "Python (course-lib)", stdout=subprocess.DEVNULL):
        sys.exit("could not register the Jupyter kernel")
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.write_text("installed " + " ".join(extras) + "\n")


def book(args: list[str]) -> int:
    """Build the course book into build/book/html (book/build.py; --clean starts afresh)."""
    install(("book",))
    return run(PY, "-m", "book.build", *args)


def reset_exercises(args: list[str]) -> int:
    """Exercises back to their fresh state (scripts/reset_exercises.py): a notebook the learner
    edited is kept unless --force, and then backed up to exercise_backups/ first."""
    install(extras=())
    return run(PY, ROOT / "scripts" / "reset_exercises.py", *args)


def ensure_chromium() -> None:
    """Install Debian's Chromium for the browser test, where apt-get can (root, Debian-like)."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if not shutil.which("apt-get") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        say("Chromium is not installed and cannot be installed here: the browser test will skip")
        return
    say("installing Debian's chromium for the browser test (once)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    if run("apt-get", "update", "-qq", **quiet) or run("apt-get", "install", "-y", "-qq", "chromium", **quiet):
        say("apt-get could not install chromium: the browser test will skip")


def ensure_java() -> None:
    """Install Debian's Java 17 for the Spark tests, where it is missing and apt-get can."""
    java = shutil.which("java")
    if java:
        out = subprocess.run([java, "-version"], capture_output=True, text=True)
        first = (out.stderr or out.stdout).split('"')
        version = first[1] if len(first) > 1 else "0"
        major = int(version.split(".")[1] if version.startswith("1.") else version.split(".")[0] or 0)
        if major >= 17:
            return
    if not shutil.which("apt-get") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        say("Java 17 is not installed and cannot be installed here: the Spark tests will skip")
        return
    say("installing Debian's openjdk-17-jre-headless for the Spark tests (once)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    if run("apt-get", "update", "-qq", **quiet) or run("apt-get", "install", "-y", "-qq",
                                                       "openjdk-17-jre-headless", **quiet):
        say("apt-get could not install openjdk-17-jre-headless: the Spark tests will skip")


def lab(args: list[str]) -> int:
    install(extras=())
    say("starting JupyterLab (stop it with Ctrl+C)")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        args = ["--allow-root", *args]  # containers, Binder-like images and CI run as root
    return run(BIN / "jupyter", "lab", *args, FIRST_LESSON)


def doctor(args: list[str]) -> int:
    """Run course_lib.doctor in .venv (without installing anything: it diagnoses what is there)."""
    if not PY.exists():
        print(f"FAIL environment           {VENV.name}/ does not exist  -> fix: python3 tasks.py lab "
              "(or python3 tasks.py install)")
        return 1
    return run(PY, "-m", "course_lib.doctor", *args)


def test(args: list[str]) -> int:
    install(("test", "scale", "book"))  # the suite builds the book and tests it in the browser
    ensure_chromium()
    ensure_java()
    share_compilations()
    if args:
        code = run(PY, "-m", "pytest", *args)
        return 0 if code == 5 else code  # 5: a filter that selected no test
    return run_groups()


def share_compilations() -> None:
    """One JAX compilation cache for every process of this test run, emptied first.

    The suite trains the same small networks many times (over seeds, tuning
    trials, refits, in lessons and in command-line runs): with the cache an
    identical XLA program is compiled once per run, not once per model. It
    starts empty, so a run never depends on an earlier one (outside the suite,
    ``import course_lib`` uses a cache in the user's home instead:
    :func:`course_lib.backend.compilation_cache_dir`). Its size limit turns on
    JAX's file lock, so two processes never read an entry half written.
    """
    cache = ROOT / "build" / "jax-cache"
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    os.environ.update({"JAX_COMPILATION_CACHE_DIR": str(cache),
                       "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
                       "JAX_COMPILATION_CACHE_MAX_SIZE": str(4 * 1024 ** 3)})


# The suite without arguments: two groups at once, and Spark as soon as either is done. The
# lessons' group is nbval over the notebooks and the book test, which uses nbval's executed
# copies; every kernel it starts picks TCP ports, one at a time. The library's group (unit,
# command-line, property and browser tests) runs beside it: much of either group waits on a
# subprocess, a browser or a single-threaded fit, so the two cores are used more fully. Its
# JupyterLab starts kernels on Unix sockets (tests/jupyter_lab.py), so kernels of the two
# groups never race for the same ports. The two groups end within a minute or so of each
# other, in either order, and Spark takes about a minute: it starts on the core the first
# one leaves.
LESSON_GROUP = ["notebooks", "solutions", "exercises", "tests/test_book.py", "tests/test_recorded_lookups.py"]


def machine_cpu() -> dict[str, float] | None:
    """The whole machine's CPU seconds since boot (Linux's /proc/stat; None elsewhere): busy (user,
    nice, system, irq, softirq), idle (with iowait) and stolen by the hypervisor."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        user, nice, system, idle, iowait, irq, softirq, steal = (int(f) for f in fields[:8])
        tick = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        return None
    return {"busy": (user + nice + system + irq + softirq) / tick, "idle": (idle + iowait) / tick,
            "steal": steal / tick}


def cpu_sentence(before: dict[str, float] | None, after: dict[str, float] | None, cores: int) -> str | None:
    """What the machine did during a run, and the least time that work needs on ``cores`` cores."""
    if not before or not after:
        return None
    busy, idle, steal = (after[k] - before[k] for k in ("busy", "idle", "steal"))
    return (f"the machine meanwhile: {busy:,.0f} CPU s busy (every process on it, the suite's and any "
            f"other), {idle:,.0f} idle, {steal:,.0f} stolen by the hypervisor; on {cores} cores that work "
            f"needs at least {busy / cores:,.0f} s")


def run_groups() -> int:
    """Run the lessons' group and the library's group side by side, and Spark as soon as either
    is done; time each, and say how busy the machine was meanwhile (:func:`cpu_sentence`). The
    lessons' output is shown as it runs, the others' when all are done."""
    import threading
    import time

    library = ["tests", *(f"--ignore={p}" for p in LESSON_GROUP if p.startswith("tests/"))]
    logs = {"library": ROOT / "build" / "test-library.log", "Spark": ROOT / "build" / "test-spark.log"}
    logs["library"].parent.mkdir(exist_ok=True)
    times, codes, processes = {}, {}, {}
    first_done = threading.Event()
    start, cpu_before = time.perf_counter(), machine_cpu()
    say("test groups, side by side: the lessons (shown as they run) and the library, then Spark "
        f"beside whichever is left (their output follows when all are done; also in "
        f"{logs['library'].relative_to(ROOT)} and {logs['Spark'].relative_to(ROOT)})")

    def logged(group: str, *args: str) -> None:
        """Run one pytest group with its output in its log file; note its time and exit code."""
        began = time.perf_counter()
        with open(logs[group], "w") as out:   # the slowest tests named; no shared pytest cache
            processes[group] = subprocess.Popen([str(PY), "-m", "pytest", "--durations=25", "-p",
                                                 "no:cacheprovider", *args], cwd=ROOT, stdout=out,
                                                stderr=subprocess.STDOUT)
            codes[group] = processes[group].wait()
        times[group] = time.perf_counter() - began
        first_done.set()

    def spark_when_a_core_is_free() -> None:
        first_done.wait()
        logged("Spark", "-m", "spark")

    side = [threading.Thread(target=logged, args=("library", "-m", "not spark", *library), daemon=True),
            threading.Thread(target=spark_when_a_core_is_free, daemon=True)]
    for thread in side:
        thread.start()
    try:
        codes["lessons"] = run(PY, "-m", "pytest", "-m", "not spark", "--durations=25", *LESSON_GROUP,
                               env={**os.environ, "COURSE_TEST_RUN": "beside the library's tests (tasks.py test)"})
    except BaseException:   # interrupted: stop the others too
        for process in processes.values():
            process.terminate()
        raise
    times["lessons"] = time.perf_counter() - start
    first_done.set()
    for thread in side:
        thread.join()
    times["all three groups"] = time.perf_counter() - start
    cpu = cpu_sentence(cpu_before, machine_cpu(), os.cpu_count() or 1)
    for group, log in logs.items():
        say(f"{group} group ({log.relative_to(ROOT)}):")
        print(log.read_text(), flush=True)
    for group in times:
        code = f", exit code {codes[group]}" if group in codes else ""
        say(f"{group}: {times[group]:.0f} s{code}")
    if cpu:   # a slow run on a busy machine shows here, beside the groups' times
        say(cpu)
    for group, log in logs.items():
        if codes.get(group) not in (0, 5):  # a CI log's tail names what failed beside the lessons
            failed = [line for line in log.read_text().splitlines() if line.startswith(("FAILED ", "ERROR "))]
            say(f"{group} group failed ({log.relative_to(ROOT)}):")
            print("\n".join(failed) or "  no FAILED line: see the log above", flush=True)
    return next((c for c in codes.values() if c not in (0, 5)), 0)


def main() -> int:
    commands = {"lab": lab, "test": test, "doctor": doctor, "book": book,
                "reset-exercises": reset_exercises}
    if len(sys.argv) < 2 or sys.argv[1] not in (*commands, "install"):
        print(__doc__)
        return 2
    command, args = sys.argv[1], sys.argv[2:]
    if command == "install":
        install(("test", "scale", "book"))
        return 0
    return commands[command](args)


if __name__ == "__main__":
    sys.exit(main())
