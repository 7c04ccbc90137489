#!/usr/bin/env python3
"""``course-lib next-item`` on the synthetic shop at 1 million events: benchmarks/next_item_1m.md

    python scripts/benchmark_next_item_1m.py                   # the default command, as a user runs it
    python scripts/benchmark_next_item_1m.py --events 200000   # a quicker look
    python scripts/benchmark_next_item_1m.py --args "--budget-s 60"

Generates ``make_shop(events, seed=0)`` into a temporary folder as Parquet,
runs ``course-lib next-item shop.parquet --test-days 7 --quiet`` (plus
``--args``) in a child process, and records its wall time, user and system
CPU seconds and peak memory (from ``getrusage`` of the child), the
leaderboard, the settings tuned on validation, and the load average before
and after (a busy machine inflates wall time; system time much less).
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--args", default="", help="more options for course-lib next-item")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "next_item_1m.md"))
    args = parser.parse_args()

    import course_lib  # noqa: F401
    import pandas as pd

    from course_lib.datasets import make_shop
    from course_lib.show.model_card import markdown_table

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "shop.parquet"
        make_shop(args.events, seed=0).events.to_parquet(data)
        out = Path(tmp) / "results"
        command = [sys.executable, "-m", "course_lib", "next-item", str(data), "--test-days", "7",
                   "--out", str(out), "--quiet", *shlex.split(args.args)]
        load_before = os.getloadavg()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_after = os.getloadavg()
        if done.returncode:
            print(done.stdout[-3000:], done.stderr[-3000:])
            return done.returncode
        board = pd.read_csv(out / "leaderboard.csv")
        chosen = pd.read_csv(out / "chosen_settings.csv") if (out / "chosen_settings.csv").exists() else None
        log = done.stdout
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    peak_gb = after.ru_maxrss / 2**20   # kB on Linux
    split_line = next((l for l in log.splitlines() if "training sessions" in l), "")
    busy = max(load_before[0], load_after[0]) > (os.cpu_count() or 1)
    machine = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    shown = ["course-lib", "next-item", "shop.parquet", "--test-days", "7", "--out", "results",
             "--quiet", *shlex.split(args.args)]
    lines = [
        f"# `course-lib next-item` on the synthetic shop at {args.events:,} events",
        "",
        f"Written by `scripts/benchmark_next_item_1m.py{' --events ' + str(args.events) if args.events != 1_000_000 else ''}"
        f"{' --args ' + shlex.quote(args.args) if args.args else ''}` on {machine}, "
        f"{time.strftime('%Y-%m-%d %H:%M')}:",
        "",
        "```bash",
        f"python -c \"import course_lib; from course_lib.datasets import make_shop; "
        f"make_shop({args.events:_}, seed=0).events.to_parquet('shop.parquet')\"",
        " ".join(shown),
        "```",
        "",
        f"{split_line.split(': ', 1)[-1]}",
        "",
        markdown_table(board, digits=4),
        "",
        f"**Wall time {wall // 60:.0f} min {wall % 60:.0f} s** (user {user:.0f} s, system {system:.0f} s); "
        f"peak memory (max RSS) {peak_gb:.2f} GB. Load average before/after: {load_before[0]:.1f} / "
        f"{load_after[0]:.1f}" + (" (measured on a busy machine: wall time is inflated; the system "
                                  "time is the steadier number)." if busy else " (a quiet machine)."),
        "",
        "Every model is tuned on the 7 days before the test within `--budget-s`, then refitted on "
        "the whole training window; the thread and memory settings are course_lib/backend.py's "
        "(benchmarks/threads.md).",
    ]
    if chosen is not None:
        lines += ["", "Settings chosen on validation (chosen_settings.csv):", "",
                  markdown_table(chosen, digits=4)]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
