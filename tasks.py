#!/usr/bin/env python3
"""Set up and run the course with nothing but Python 3.10+.

    python3 tasks.py lab     # install if needed, then open the course in JupyterLab
    python3 tasks.py test    # install if needed, then run the whole test suite
    python3 tasks.py book    # install if needed, then build the course book (build/book/html)

Both create ``.venv`` on first use, install the course and its tools there
(again only when pyproject.toml changed), and register the ``course-lib``
Jupyter kernel inside the environment. Extra arguments go to JupyterLab or
pytest, e.g. ``python3 tasks.py test notebooks/01_autoregressive_models.ipynb``
or ``python3 tasks.py lab --no-browser --port 8890``.
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


def install() -> None:
    """Create .venv and install the course into it, once per pyproject.toml version."""
    if sys.version_info < (3, 10):
        sys.exit(f"Python 3.10 or newer is needed (this is {sys.version.split()[0]}).")
    if not PY.exists():
        say(f"creating the virtual environment {VENV.name}/")
        if run(sys.executable, "-m", "venv", VENV):
            sys.exit("could not create the virtual environment (on Debian/Ubuntu: "
                     "apt-get install python3-venv)")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if stamp.exists():
        return
    say("installing the course and its packages (first time: a few minutes)")
    if run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[test]"):
        sys.exit("pip install failed: see the messages above")
    if run(PY, "-m", "ipykernel", "install", "--sys-prefix", "--name", "course-lib",
           "--display-name", "Python (course-lib)", stdout=subprocess.DEVNULL):
        sys.exit("could not register the Jupyter kernel")
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.write_text("installed\n")


def install_book() -> None:
    """Add the book's tools (the ``[book]`` extra: Sphinx, MyST-NB...) to .venv, once per pyproject.toml."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-book-{digest}"
    if stamp.exists():
        return
    say("installing the book's tools (the [book] extra; once)")
    if run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[book]"):
        sys.exit("pip install of the [book] extra failed: see the messages above")
    for old in VENV.glob(".installed-book-*"):
        old.unlink()
    stamp.write_text("installed\n")


def book(args: list[str]) -> int:
    """Build the course book into build/book/html (book/build.py; --clean starts afresh)."""
    install()
    install_book()
    return run(PY, "-m", "book.build", *args)


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


def lab(args: list[str]) -> int:
    install()
    say("starting JupyterLab (stop it with Ctrl+C)")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        args = ["--allow-root", *args]  # containers, Binder-like images and CI run as root
    return run(BIN / "jupyter", "lab", *args, FIRST_LESSON)


def test(args: list[str]) -> int:
    install()
    install_book()  # the suite builds the book and tests it in the browser
    ensure_chromium()
    code = run(PY, "-m", "pytest", *args)
    return 0 if code == 5 and args else code  # 5: a filter that selected no test


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("lab", "test", "install", "book"):
        print(__doc__)
        return 2
    command, args = sys.argv[1], sys.argv[2:]
    if command == "install":
        install()
        return 0
    if command == "book":
        return book(args)
    return lab(args) if command == "lab" else test(args)


if __name__ == "__main__":
    sys.exit(main())
