"""``python3 tasks.py doctor``: one line per check, the fix for each failure, non-zero exit on failure.

Tested on this installation (everything passes) and on a deliberately broken
one: a package that is installed but fails to import (a fake ``tqdm`` first on
PYTHONPATH) and the data missing (``course_lib`` copied outside the
repository, an empty ``COURSE_DATA_DIR``).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib.doctor import Check, requirements, satisfies

ROOT = Path(__file__).resolve().parents[1]


def test_version_ranges_are_read_like_pip_reads_them():
    assert satisfies("3.11.7", ">=3.10") and not satisfies("3.9.18", ">=3.10")
    assert satisfies("3.5.0", "<4,>=3.5") and not satisfies("4.0.1", "<4,>=3.5")
    assert satisfies("2.2.0rc1", ">=2.2") and satisfies("1.26", ">=1.26.0")
    assert satisfies("0.4.30", ">=0.4.30") and not satisfies("0.4.29", ">=0.4.30")
    assert satisfies("1.4.2", "~=1.4") and not satisfies("2.0", "~=1.4")
    assert satisfies("5.0", "") and not satisfies("1.0", "!=1.0")


def test_the_checked_packages_are_the_ones_pyproject_declares():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {r.split(">")[0].split("<")[0].split("[")[0].split("=")[0].strip().lower().replace("_", "-")
                for r in project["dependencies"]}   # names as pip compares them: ml_dtypes is ml-dtypes
    assert {name for name, _ in requirements()} == declared
    test_only = {r.split(">")[0].split("=")[0].strip().lower()
                 for r in project["optional-dependencies"]["test"]}
    assert {name for name, _ in requirements(extra=True)} == test_only


def test_a_failed_check_names_its_fix_on_its_line():
    line = Check("numpy", False, "not installed (needs >=1.26)", "python3 tasks.py install").line()
    assert line.startswith("FAIL numpy") and line.endswith("-> fix: python3 tasks.py install")
    assert "\n" not in line and "fix" not in Check("numpy", True, "2.0 (>=1.26)").line()


def test_the_doctor_imports_only_the_standard_library_at_module_level():
    code = ("import sys; import course_lib.doctor; "
            "print(sorted(m for m in ('numpy', 'pandas', 'keras', 'jax', 'pyarrow') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_the_doctor_passes_on_this_installation():
    """In this process (its imports are shared with the other tests; the subprocess case is below)."""
    from course_lib.doctor import report, run_checks

    lines = report(run_checks(test_packages=True)).splitlines()
    assert lines[-1] == "all checks passed", "\n".join(lines)
    names = [line.split()[1] for line in lines[:-1]]
    assert all(line.startswith("ok   ") for line in lines[:-1])
    for name in ("python", "numpy", "keras", "pytest", "jupyter", "keras", "threads", "widgets", "data"):
        assert name in names, names


@pytest.mark.slow
def test_the_doctor_names_the_fix_on_a_broken_installation(tmp_path):
    fake = tmp_path / "fake"
    (fake / "tqdm").mkdir(parents=True)
    (fake / "tqdm" / "__init__.py").write_text("raise ImportError('tqdm is broken on purpose')\n")
    shutil.copytree(ROOT / "course_lib", tmp_path / "site" / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    empty = tmp_path / "no data"
    empty.mkdir()
    env = {**os.environ, "COURSE_DATA_DIR": str(empty),
           "PYTHONPATH": os.pathsep.join([str(fake), str(tmp_path / "site"),
                                          os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "course_lib.doctor"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    tqdm = next(line for line in lines if line.split()[1] == "tqdm")
    assert tqdm.startswith("FAIL") and "`import tqdm` fails: tqdm is broken on purpose" in tqdm
    assert "-> fix: pip install --force-reinstall 'tqdm>=" in tqdm
    data = next(line for line in lines if line.split()[1] == "data")
    assert data.startswith("FAIL") and "-> fix: git checkout datasets/online_retail.parquet" in data
    assert lines[-1] == "2 check(s) failed: tqdm, data"
    assert "Traceback" not in done.stdout + done.stderr


def test_tasks_doctor_without_an_environment_says_how_to_make_one(tmp_path):
    shutil.copy(ROOT / "tasks.py", tmp_path / "tasks.py")
    done = subprocess.run([sys.executable, str(tmp_path / "tasks.py"), "doctor"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout.startswith("FAIL environment") and "fix: python3 tasks.py lab" in done.stdout
    assert not (tmp_path / ".venv").exists()  # the doctor diagnoses, it installs nothing
