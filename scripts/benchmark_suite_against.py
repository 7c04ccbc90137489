#!/usr/bin/env python3
"""The whole test suite beside an earlier commit's, on the same machine in the same hour.

    python scripts/benchmark_suite_against.py 5668294 --data-dir ../shared/data --pairs 2

A shared machine's speed drifts: the same code kept this one busy for 939 to 1,183 CPU s on one
day, so a suite's time measured on another day says little. To ask "is the suite slower than it
was at commit X?", this runs both suites alternately (X, this checkout, X, this checkout, ...),
each as CI runs it (``bash .ci/run``), and keeps

* ``benchmarks/suite_against.csv``: one row per run: which suite, its commit, wall seconds, the
  machine's busy CPU seconds meanwhile (``/proc/stat``, every process on it), the exit code and
  pytest's last summary line;
* ``benchmarks/suite_against.md``: the same, with each suite's median.

The earlier commit is checked out in ``build/suite-against-<commit>/`` (a git worktree) and
installed there by its own ``tasks.py install``, once. ``--data-dir`` is passed to it as
``COURSE_DATA_DIR``: early commits read Online Retail from a local copy, as their CI did. A record
of runs on the machine that ran them, never an assertion.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tasks import machine_cpu  # noqa: E402  (the machine's CPU seconds, as tasks.py reads them)

OUT = ROOT / "benchmarks" / "suite_against"


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def earlier_checkout(commit: str) -> Path:
    """A worktree of ``commit`` with its own environment installed (made once, then reused)."""
    folder = ROOT / "build" / f"suite-against-{commit[:10]}"
    if not folder.exists():
        git("worktree", "add", "--detach", str(folder), commit)
    if subprocess.call([sys.executable, "tasks.py", "install"], cwd=folder) != 0:
        sys.exit(f"could not install {commit} in {folder}")
    return folder


def one_run(label: str, root: Path, env: dict, log: Path) -> dict:
    """``bash .ci/run`` in ``root``: its wall seconds, the machine's busy CPU seconds, its exit."""
    began = datetime.datetime.now().strftime("%H:%M")
    before, start = machine_cpu(), time.perf_counter()
    with open(log, "w") as out:
        code = subprocess.call(["bash", ".ci/run"], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    wall, after = time.perf_counter() - start, machine_cpu()
    summary = [line.strip("= ") for line in log.read_text(errors="replace").splitlines()
               if line.startswith("=") and (" passed" in line or " failed" in line)]
    return {"suite": label, "commit": git("rev-parse", "--short", "HEAD", cwd=root),
            "started": began,
            "wall_s": round(wall), "busy_cpu_s": round(after["busy"] - before["busy"]) if before and after else "",
            "exit": code, "pytest": "; ".join(summary)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("commit", help="the earlier commit to compare against")
    parser.add_argument("--pairs", type=int, default=2, help="runs of each suite, alternating")
    parser.add_argument("--data-dir", help="COURSE_DATA_DIR for both suites (a local copy of the data)")
    args = parser.parse_args()
    commit = git("rev-parse", args.commit)
    earlier = earlier_checkout(commit)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTEST"))}
    if args.data_dir:
        env["COURSE_DATA_DIR"] = str(Path(args.data_dir).resolve())
    OUT.parent.mkdir(exist_ok=True)
    logs = ROOT / "build" / "suite-against-logs"
    logs.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in range(1, args.pairs + 1):
        for label, root in (("earlier", earlier), ("this checkout", ROOT)):
            print(f"[suite-against] {label} ({root}), run {n} of {args.pairs} ...", flush=True)
            rows.append(one_run(label, root, env, logs / f"{label.split()[0]}-{n}.log"))
            print(f"[suite-against] {rows[-1]}", flush=True)
    with open(OUT.with_suffix(".csv"), "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    medians = {label: statistics.median(r["wall_s"] for r in rows if r["suite"] == label)
               for label in ("earlier", "this checkout")}
    lines = [f"# The test suite beside commit {commit[:7]} ({datetime.date.today()})", "",
             f"`python scripts/benchmark_suite_against.py {args.commit} --pairs {args.pairs}"
             f"{' --data-dir ' + args.data_dir if args.data_dir else ''}`: both suites as CI runs "
             f"them (`bash .ci/run`), alternately, on {os.cpu_count()} cores. Median wall time: "
             f"commit {commit[:7]} **{medians['earlier']:.0f} s**, this checkout "
             f"**{medians['this checkout']:.0f} s**.", "",
             "| suite | commit | started | wall s | machine busy CPU s | exit | pytest |",
             "|---|---|---|---:|---:|---:|---|"]
    lines += [f"| {r['suite']} | {r['commit']} | {r['started']} | {r['wall_s']} | {r['busy_cpu_s']} | "
              f"{r['exit']} | {r['pytest']} |" for r in rows]
    OUT.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return max(r["exit"] for r in rows)


if __name__ == "__main__":
    sys.exit(main())
