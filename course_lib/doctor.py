"""Is this installation ready for the course? One line per check, and the fix for each failure.

    python3 tasks.py doctor            # from the repository (uses .venv)
    python -m course_lib.doctor        # the same, with any Python that has course_lib

Lesson 00's setup cell runs the same checks. It looks at: the Python
version, every package the course needs and its version (against the
ranges ``pyproject.toml`` declares, read from the installed metadata), that
each one imports, the registered Jupyter kernel, the Keras backend and the
thread settings, that ipywidgets will render in JupyterLab, and that the
real data is present and unchanged. Exit status 1 if anything fails.

Only the standard library is imported at module level, so the doctor runs in
an environment too broken to import pandas; each check imports what it tests.
"""
from __future__ import annotations

import importlib
import importlib.metadata as metadata
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

DIST = "course-lib"
KERNEL = "course-lib"
INSTALL = "python3 tasks.py install"
#: distribution name -> module to import (where they differ)
MODULES = {"scikit-learn": "sklearn", "ipython": "IPython", "jax": "jax", "pyarrow": "pyarrow",
           "import-linter": "importlinter"}
#: servers, not libraries: found and versioned, not imported (importing JupyterLab takes seconds)
NOT_IMPORTED = {"jupyterlab"}
#: what only `python3 tasks.py test` installs
TEST_ONLY = "extra == \"test\""


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        fix = f"  -> fix: {self.fix}" if not self.ok and self.fix else ""
        return f"{mark} {self.name:<22} {self.detail}{fix}"


# --------------------------------------------------------------------------- #
# versions, with the standard library only

def _release(version: str) -> tuple:
    """'2.2.1' -> (2, 2, 1); pre/post/local parts are ignored, as the course's ranges allow."""
    parts = []
    for piece in re.split(r"[.+-]", version):
        number = re.match(r"\d+", piece)
        if not number:
            break
        parts.append(int(number.group()))
    return tuple(parts)


def satisfies(version: str, spec: str) -> bool:
    """``satisfies("2.2.1", ">=2.2,<3")``: the comparisons pyproject.toml uses (>=, >, <=, <, ==, !=)."""
    have = _release(version)
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        op, wanted = re.match(r"(>=|<=|==|!=|>|<|~=)\s*(.+)", clause).groups()
        want = _release(wanted)
        width = max(len(have), len(want))
        a, b = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
        ok = {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b, "==": a == b, "!=": a != b,
              "~=": a >= b and a[:len(want) - 1] == b[:len(want) - 1]}[op]
        if not ok:
            return False
    return True


def requirements(extra: bool = False) -> list[tuple[str, str]]:
    """(distribution, version spec) the installed course declares (``extra``: the test packages).

    The other extras (``scale``, ``book``) are never checked: the lessons do not need them.
    """
    out = []
    for line in metadata.requires(DIST) or []:
        requirement, _, marker = line.partition(";")
        wanted = TEST_ONLY in marker if extra else "extra" not in marker
        if not wanted:
            continue
        name, spec = re.match(r"\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*(.*)", requirement).groups()
        out.append((name.lower().replace("_", "-"), spec.replace(" ", "")))
    return out


# --------------------------------------------------------------------------- #
# the checks

def check_python() -> Check:
    needed = metadata.metadata(DIST).get("Requires-Python") or ">=3.10"
    have = ".".join(map(str, sys.version_info[:3]))
    ok = satisfies(have, needed)
    return Check("python", ok, f"{have} (needs {needed}) at {sys.executable}",
                 f"install Python {needed.lstrip('>=')} or newer and run {INSTALL} with it")


def check_package(name: str, spec: str, *, optional: bool = False) -> Check:
    """Installed, in range, and importable (a package that installs but fails to import fails)."""
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        if optional:
            return Check(name, True, "not installed (only `python3 tasks.py test` needs it)")
        return Check(name, False, f"not installed (needs {spec})", INSTALL)
    if spec and not satisfies(version, spec):
        return Check(name, False, f"{version} installed, the course needs {spec}",
                     f"{INSTALL} (or pip install '{name}{spec}')")
    module = MODULES.get(name, name.replace("-", "_"))
    try:
        if name in NOT_IMPORTED:
            if importlib.util.find_spec(module) is None:
                raise ImportError(f"no module named {module!r}")
        else:
            importlib.import_module(module)
    except Exception as exc:  # a broken install raises anything
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Check(name, False, f"{version} installed but `import {module}` fails: {first}",
                     f"pip install --force-reinstall '{name}{spec}' (inside .venv), then {INSTALL}")
    return Check(name, True, f"{version} ({spec or 'any version'})")


def _jupyter_json(*args: str):
    """``jupyter ARGS --json`` of this environment, parsed (the same search Jupyter itself makes)."""
    import json
    import subprocess

    done = subprocess.run([sys.executable, "-m", "jupyter", *args, "--json"], capture_output=True,
                          text=True, timeout=120)
    if done.returncode:
        raise RuntimeError((done.stderr.strip().splitlines() or ["no output"])[-1])
    return json.loads(done.stdout)


def check_kernel() -> Check:
    """The Jupyter kernel the lessons ask for exists and runs this environment's Python."""
    try:
        specs = _jupyter_json("kernelspec", "list")["kernelspecs"]
    except Exception as exc:
        return Check("jupyter kernel", False, f"`jupyter kernelspec list` fails ({exc})", INSTALL)
    if KERNEL not in specs:
        return Check("jupyter kernel", False, f"no kernel named {KERNEL!r} is registered", INSTALL)
    spec = specs[KERNEL]["spec"]
    python = Path(spec["argv"][0])
    here = Path(sys.prefix).resolve()
    inside = python.is_file() and (python.resolve() == Path(sys.executable).resolve()
                                   or here in python.resolve().parents
                                   or Path(sys.prefix) in python.parents)
    if not inside:
        return Check("jupyter kernel", False, f"{KERNEL!r} runs {python}, not this environment's "
                     f"Python ({sys.executable})", INSTALL)
    return Check("jupyter kernel", True, f"{KERNEL!r} ({spec.get('display_name', '')}) runs {python}")


def check_backend() -> Check:
    """Keras on the backend course_lib chose, with the thread counts set before it was imported."""
    try:
        # lazy: the doctor must run (and report) in an environment too broken to import these
        import course_lib  # noqa: F401  (chooses the backend and threads)
        import keras
    except Exception as exc:
        return Check("keras backend", False, f"cannot import keras ({str(exc).splitlines()[0]})",
                     INSTALL)
    wanted = os.environ.get("KERAS_BACKEND", "jax")
    actual = keras.backend.backend()
    if actual != wanted:
        return Check("keras backend", False, f"keras uses {actual}, KERAS_BACKEND says {wanted} "
                     "(keras was imported before course_lib?)",
                     "import course_lib before keras (restart the kernel)")
    return Check("keras backend", True, f"{actual} (keras {keras.__version__})")


def check_threads() -> Check:
    cores = os.cpu_count() or 1
    values = {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    unset = [v for v, n in values.items() if not n]
    if unset:
        return Check("threads", False, f"{', '.join(unset)} not set", "import course_lib first "
                     "(it sets them from COURSE_THREADS or the number of cores)")
    too_many = {v: n for v, n in values.items() if not n.isdigit() or int(n) > cores}
    if too_many:
        return Check("threads", False, f"{too_many} on a {cores}-core machine (oversubscribed)",
                     f"export COURSE_THREADS={cores} (or fewer) before starting Jupyter")
    try:
        import numpy  # noqa: F401  (loads the BLAS library)
        from threadpoolctl import threadpool_info

        blas = max((p["num_threads"] for p in threadpool_info()), default=0)
    except Exception:
        blas = 0
    return Check("threads", True, f"BLAS/OpenMP {values['OMP_NUM_THREADS']} of {cores} cores"
                 + (f" (BLAS pool: {blas})" if blas else ""))


def check_widgets() -> Check:
    """ipywidgets renders in JupyterLab when the lab extension of jupyterlab_widgets is installed."""
    try:
        widgets_version = metadata.version("ipywidgets")
        lab_version = metadata.version("jupyterlab_widgets")
    except metadata.PackageNotFoundError as exc:
        return Check("widgets in JupyterLab", False, f"{exc.name or exc} is not installed", INSTALL)
    try:
        data = [Path(p) for p in _jupyter_json("--paths")["data"]]
    except Exception:
        data = []
    folders = [d / "labextensions" for d in data + [Path(sys.prefix) / "share" / "jupyter"]]
    manager = next((f / "@jupyter-widgets" / "jupyterlab-manager" for f in folders
                    if (f / "@jupyter-widgets" / "jupyterlab-manager" / "package.json").is_file()), None)
    if manager is None:
        return Check("widgets in JupyterLab", False, "the @jupyter-widgets/jupyterlab-manager "
                     "lab extension is missing: sliders would show as text",
                     "pip install --force-reinstall jupyterlab_widgets (inside .venv)")
    if _release(widgets_version)[:1] != (8,) or _release(lab_version)[:1] != (3,):
        return Check("widgets in JupyterLab", False, f"ipywidgets {widgets_version} needs "
                     f"jupyterlab_widgets 3.x (installed: {lab_version})", INSTALL)
    return Check("widgets in JupyterLab", True, f"ipywidgets {widgets_version}, lab extension "
                 f"jupyterlab_widgets {lab_version}")


def check_data() -> Check:
    """UCI Online Retail is found (the shipped copy, or COURSE_DATA_DIR's) and is the file the card names."""
    try:
        # lazy: the doctor must run (and report) in an environment too broken to import these
        from course_lib.datasets.uci_retail import (SHIPPED_NAME, SHIPPED_SHA256, MissingDataError,
                                                    find_online_retail, sha256)
    except Exception as exc:
        return Check("data", False, f"course_lib.datasets cannot be imported ({exc})", INSTALL)
    try:
        path = find_online_retail()
    except MissingDataError:
        return Check("data", False, f"UCI Online Retail ({SHIPPED_NAME}) is missing (lessons 00-04 "
                     "and 09 use a synthetic stand-in)",
                     f"git checkout datasets/{SHIPPED_NAME} (or set COURSE_DATA_DIR to its folder)")
    if path.name == SHIPPED_NAME and sha256(path) != SHIPPED_SHA256:
        return Check("data", False, f"{path} differs from the shipped file (sha256)",
                     f"git checkout datasets/{SHIPPED_NAME}")
    return Check("data", True, f"UCI Online Retail: {path}")


def run_checks(test_packages: bool = False) -> list[Check]:
    """Every check, in the order of the report (``test_packages``: pytest & co. must be there too)."""
    checks = [check_python()]
    try:
        declared = requirements()
    except metadata.PackageNotFoundError:
        return checks + [Check(DIST, False, "the course library is not installed in this Python",
                               INSTALL)]
    checks += [check_package(name, spec) for name, spec in declared]
    checks += [check_package(name, spec, optional=not test_packages)
               for name, spec in requirements(extra=True)]
    checks += [check_kernel(), check_backend(), check_threads(), check_widgets(), check_data()]
    return checks


def report(checks: list[Check]) -> str:
    """The report: one line per check, then a verdict."""
    failed = [c for c in checks if not c.ok]
    verdict = ("all checks passed" if not failed else
               f"{len(failed)} check(s) failed: {', '.join(c.name for c in failed)}")
    return "\n".join([c.line() for c in checks] + [verdict])


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="course_lib.doctor", description=__doc__.splitlines()[0])
    parser.add_argument("--test", action="store_true",
                        help="also require the test packages (pytest, nbval, hypothesis, playwright)")
    args = parser.parse_args(argv)
    checks = run_checks(test_packages=args.test)
    print(report(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
