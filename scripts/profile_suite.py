#!/usr/bin/env python3
"""Where the test suite's time goes: CPU seconds per test file, and the floor they set.

    python scripts/profile_suite.py

Runs ``python3 tasks.py test`` exactly as CI does (the lessons' and the library's groups side by
side, then Spark) with ``scripts/suite_cpu_plugin.py`` loaded in every pytest process, and reads
the whole machine's CPU from ``/proc/stat`` before and after (Linux). Writes

* ``benchmarks/suite_cpu.csv``: one row per test file: its group, tests, wall seconds, and CPU
  seconds (the pytest process's and its reaped children's: notebook kernels, command lines,
  scripts);
* ``benchmarks/suite_cpu.md``: the groups' times as ``tasks.py`` printed them, the machine's busy,
  idle and stolen CPU seconds, and the **floor**: the busy CPU seconds divided by the cores, the
  time the suite would take if its work were packed perfectly onto them.

The suite is CPU-bound on a 2-core machine, so to make it faster its CPU seconds must fall; this
says where they are. A record of one run on the machine that ran it, never an assertion: the same
code kept a shared machine busy for 939 to 1,183 CPU s in different runs on one day.
"""
from __future__ import annotations

import csv
import datetime
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tasks import LESSON_GROUP, cpu_sentence, machine_cpu  # noqa: E402  (the groups and the machine's CPU)

OUT = ROOT / "benchmarks" / "suite_cpu"
#: how tasks.py prints a group's time: "[tasks] lessons: 571 s, exit code 0"
GROUP_TIME = re.compile(r"\[tasks\] ([^:(]+): (\d+) s")


def group_of(argv: str) -> str | None:
    """Which of tasks.py's groups a pytest command line is (None: a pytest a test started)."""
    if "-m spark" in argv:
        return "Spark"
    if LESSON_GROUP[0] in argv.split():   # the lessons' group names its folders, "notebooks" first
        return "lessons"
    if "not spark" in argv and "tests" in argv.split():
        return "library"
    return None


def read_rows(folder: Path) -> list[dict]:
    """Every test file's totals, from the plugin's files in ``folder``."""
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for table in folder.glob("*.tsv"):
        group = group_of(table.with_suffix(".argv").read_text())
        if group is None:
            continue
        with open(table) as rows:
            for row in csv.DictReader(rows, delimiter="\t"):
                total = totals[group, row["test"].split("::")[0]]
                total[0] += 1
                total[1] += float(row["wall_s"])
                total[2] += float(row["cpu_s"]) + float(row["children_cpu_s"])
    return sorted(({"group": g, "file": f, "tests": n, "wall_s": round(w, 1), "cpu_s": round(c, 1)}
                   for (g, f), (n, w, c) in totals.items()), key=lambda r: -r["cpu_s"])


def main() -> int:
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    with tempfile.TemporaryDirectory(prefix="suite-cpu-") as folder:
        env = {**os.environ, "SUITE_CPU_DIR": folder,
               "PYTEST_ADDOPTS": f"{os.environ.get('PYTEST_ADDOPTS', '')} -p suite_cpu_plugin".strip(),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "scripts"),
                                                          os.environ.get("PYTHONPATH")]))}
        before, start = machine_cpu(), time.perf_counter()
        process = subprocess.Popen([sys.executable, str(ROOT / "tasks.py"), "test"], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        printed = []
        for line in process.stdout:
            print(line, end="", flush=True)
            printed.append(line)
        code = process.wait()
        wall, after = time.perf_counter() - start, machine_cpu()
        rows = read_rows(Path(folder))
    OUT.parent.mkdir(exist_ok=True)
    with open(OUT.with_suffix(".csv"), "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["group", "file", "tests", "wall_s", "cpu_s"])
        writer.writeheader()
        writer.writerows(rows)
    groups = [f"{m[1]} {m[2]} s" for m in map(GROUP_TIME.match, printed) if m]
    lines = [f"# Where the test suite's time goes ({datetime.date.today()}, commit {commit})", "",
             f"`python scripts/profile_suite.py`: `python3 tasks.py test` with a per-test CPU record "
             f"(`scripts/suite_cpu_plugin.py`); {cores} cores, 1-minute load average {load:.2f} before "
             f"the run; exit code {code}. Per test file: `suite_cpu.csv`.", "",
             f"- the whole command: **{wall:.0f} s** wall; the groups as `tasks.py` printed them: "
             + "; ".join(groups)]
    machine = cpu_sentence(before, after, cores)   # the floor: busy CPU s / cores
    if machine:
        lines.append(f"- {machine}")
    for group in ("lessons", "library", "Spark"):
        mine = [r for r in rows if r["group"] == group]
        lines.append(f"- the {group} group's pytest process and its reaped children: "
                     f"{sum(r['cpu_s'] for r in mine):.0f} CPU s over {len(mine)} "
                     f"file{'s' * (len(mine) != 1)}")
    lines += ["", "Per file, a process counts only when pytest's own process reaps it: Spark's JVM, the "
              "JupyterLab server and the browser are missing from the files' counts and included in the "
              "machine's busy seconds.",
              "", "The fifteen dearest files:", "", "| group | file | tests | wall s | CPU s |",
              "|---|---|---:|---:|---:|"]
    lines += [f"| {r['group']} | `{r['file']}` | {r['tests']} | {r['wall_s']} | {r['cpu_s']} |"
              for r in rows[:15]]
    OUT.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
