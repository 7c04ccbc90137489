"""The suite's CPU record (``scripts/profile_suite.py`` and its pytest plugin) counts what it says."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import profile_suite  # noqa: E402


def test_the_plugin_records_each_test_with_its_own_and_its_childrens_cpu(tmp_path):
    (tmp_path / "test_busy.py").write_text(
        "import subprocess, sys, time\n"
        "def test_busy():\n"
        "    end = time.process_time() + 0.3\n"
        "    while time.process_time() < end:\n"
        "        pass\n"
        "def test_child():\n"
        "    subprocess.run([sys.executable, '-c', 'import time\\nend = time.process_time() + 0.3\\n"
        "while time.process_time() < end: pass'], check=True)\n"
        "def test_idle():\n"
        "    time.sleep(0.3)\n")
    records = tmp_path / "records"
    records.mkdir()
    env = {**os.environ, "SUITE_CPU_DIR": str(records), "PYTEST_ADDOPTS": "",
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(ROOT / "scripts")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "suite_cpu_plugin", "-p",
                           "no:cacheprovider", "-m", "not spark", "test_busy.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert "3 passed" in done.stdout, done.stdout
    (table,) = records.glob("*.tsv")
    rows = {line.split("\t")[0]: [float(x) for x in line.split("\t")[1:]]
            for line in table.read_text().splitlines()[1:]}
    busy, child, idle = (rows[f"test_busy.py::test_{name}"] for name in ("busy", "child", "idle"))
    assert busy[1] >= 0.25 and busy[2] < 0.1            # its own CPU, no child's
    assert child[2] >= 0.25                             # the child's CPU, counted when it is reaped
    assert idle[0] >= 0.25 and idle[1] < 0.1 and idle[2] < 0.1   # wall, no CPU
    assert table.with_suffix(".argv").read_text().endswith("-m not spark test_busy.py")


def test_the_groups_are_told_apart_by_their_command_lines(tmp_path):
    assert profile_suite.group_of("-m spark --durations=25") == "Spark"
    assert profile_suite.group_of("-m not spark --durations=25 notebooks solutions exercises") == "lessons"
    assert profile_suite.group_of("--durations=25 -m not spark tests --ignore=tests/test_book.py") == "library"
    assert profile_suite.group_of("-q test_busy.py") is None     # a pytest that a test starts
    for pid, group, test, cpu in ((1, "-m spark", "tests/test_engines_spark.py::a", "2.5"),
                                  (2, "-m not spark notebooks", "notebooks/05.ipynb::Cell 1", "1.0"),
                                  (2, "-m not spark notebooks", "notebooks/05.ipynb::Cell 2", "4.0"),
                                  (3, "-q x.py", "x.py::t", "99")):
        table = tmp_path / f"{pid}.tsv"
        if not table.exists():
            table.write_text("test\twall_s\tcpu_s\tchildren_cpu_s\n")
            table.with_suffix(".argv").write_text(group)
        with open(table, "a") as out:
            out.write(f"{test}\t1.0\t{cpu}\t0.5\n")
    rows = profile_suite.read_rows(tmp_path)
    assert rows == [{"group": "lessons", "file": "notebooks/05.ipynb", "tests": 2, "wall_s": 2.0, "cpu_s": 6.0},
                    {"group": "Spark", "file": "tests/test_engines_spark.py", "tests": 1, "wall_s": 1.0,
                     "cpu_s": 3.0}]
    assert profile_suite.GROUP_TIME.match("[tasks] all three groups: 645 s")[1] == "all three groups"
    assert profile_suite.GROUP_TIME.match("[tasks] library group (build/test-library.log):") is None


def test_tasks_reads_the_machines_cpu_and_says_the_least_time_the_work_needs():
    import tasks

    before = {"busy": 100.0, "idle": 50.0, "steal": 1.0}
    after = {"busy": 1283.0, "idle": 125.0, "steal": 8.0}
    sentence = tasks.cpu_sentence(before, after, 2)
    assert "1,183 CPU s busy" in sentence and "75 idle" in sentence and "7 stolen" in sentence
    assert sentence.endswith("on 2 cores that work needs at least 592 s")
    assert tasks.cpu_sentence(None, after, 2) is None      # no /proc/stat: nothing said
    now = tasks.machine_cpu()
    if Path("/proc/stat").exists():
        end = time.process_time() + 0.2
        while time.process_time() < end:
            pass
        later = tasks.machine_cpu()
        assert later["busy"] - now["busy"] >= 0.15     # this process's own busy loop counts
    else:
        assert now is None
