#!/usr/bin/env python3
"""Install size and first-run time of `tasks.py lab` and `tasks.py test`: benchmarks/install.md.

    python scripts/benchmark_install.py [--paths lab,test] [--keep]

Each path starts from a fresh copy of the committed tree (``git archive
HEAD``: a clone with nothing beside it) and a fresh ``.venv``, with pip's
cache and package index as this machine has them (the report says which).

* ``lab``: ``python3 tasks.py lab --no-browser`` until JupyterLab answers
  HTTP 200 on ``/lab`` (install, kernel registration, server start), then
  stopped; the environment must hold none of the test packages.
* ``test``: ``python3 tasks.py test tests/test_environment.py`` (install with
  the test packages, DuckDB and pyspark, and the book's tools; Chromium and
  Java where apt-get can and they are missing; then a first short test file).

Then ``.venv``'s size on disk and its number of installed distributions, and
``python3 tasks.py doctor`` on it.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "install.md"
#: what `tasks.py test` adds to the lessons' packages: the test tools, the engines beyond one
#: machine (scale) and the book's tools; `tasks.py lab` must install none of them
TEST_PACKAGES = ("pytest", "nbval", "hypothesis", "playwright", "duckdb", "pyspark", "sphinx", "myst-nb")


def fresh_copy(folder: Path) -> Path:
    """The committed tree, as a fresh clone would have it."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def size_mib(folder: Path) -> float:
    total = sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_symlink() and p.is_file())
    return total / 2**20


def installed(clone: Path) -> list[str]:
    out = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-m", "pip", "list",
                          "--format=freeze"], capture_output=True, text=True, check=True).stdout
    return [line.split("==")[0].lower() for line in out.splitlines() if line]


def time_lab(clone: Path, timeout: float = 1800) -> float:
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(clone / ".runtime"),
           "JUPYTER_CONFIG_DIR": str(clone / ".jupyter-config")}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "tasks.py", "lab", "--no-browser", f"--port={port}",
                             "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=",
                             "--ServerApp.port_retries=0"], cwd=clone, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=5) as reply:
                    if reply.status == 200 and "JupyterLab" in reply.read().decode():
                        return time.perf_counter() - start
            except OSError:
                pass
            if proc.poll() is not None or time.perf_counter() - start > timeout:
                raise SystemExit("JupyterLab did not answer:\n" + proc.stdout.read().decode()[-3000:])
            time.sleep(1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def time_test(clone: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "tasks.py", "test", "tests/test_environment.py", "-q"],
                          cwd=clone, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stdout[-3000:] + done.stderr[-3000:])
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", default="lab,test")
    parser.add_argument("--keep", action="store_true", help="keep the copies (printed) for a look")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="course-install-"))
    rows = []
    try:
        for path in args.paths.split(","):
            clone = fresh_copy(base / path)
            seconds = time_lab(clone) if path == "lab" else time_test(clone)
            names = installed(clone)
            tests_in = [p for p in TEST_PACKAGES if p in names]
            if path == "lab" and tests_in:
                raise SystemExit(f"tasks.py lab installed test packages: {tests_in}")
            doctor = subprocess.run([sys.executable, "tasks.py", "doctor"], cwd=clone,
                                    capture_output=True, text=True)
            rows.append({"path": path, "seconds": seconds, "mib": size_mib(clone / ".venv"),
                         "packages": len(names), "test packages": ", ".join(tests_in) or "none",
                         "doctor": doctor.stdout.strip().splitlines()[-1]})
            print(rows[-1], flush=True)
    finally:
        if args.keep:
            print("copies kept in", base)
        else:
            shutil.rmtree(base, ignore_errors=True)
    load = os.getloadavg()[0]
    what = {"lab": "`tasks.py lab` until `/lab` answers HTTP 200 (install, kernel, server start)",
            "test": "`tasks.py test tests/test_environment.py` (install with the test tools, DuckDB, pyspark and the book's tools, one test file)"}
    lines = ["# Install size and first-run time", "",
             f"Written by `python scripts/benchmark_install.py` on {time.strftime('%Y-%m-%d')}: a fresh "
             f"copy of the committed tree (`git archive HEAD`) and a fresh `.venv` per path. Machine: "
             f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
             f"1-minute load average {load:.1f} at the end (other jobs were running: times are upper "
             f"bounds). pip: as configured on this machine (`pip config list`), the wheels came from a "
             "local wheel folder and package index, with pip's cache as it was: nothing was "
             "downloaded. On a laptop that downloads the wheels, add the download time.",
             "", "| path | what was timed | first run (s) | .venv (MiB) | distributions | test packages | doctor |",
             "|---|---|---:|---:|---:|---|---|"]
    lines += [f"| {r['path']} | {what[r['path']]} | {r['seconds']:.0f} | {r['mib']:.0f} | {r['packages']} | "
              f"{r['test packages']} | {r['doctor']} |" for r in rows]
    OUT.write_text("\n".join(lines) + "\n")
    print("written:", OUT.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
