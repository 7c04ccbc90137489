#!/usr/bin/env python3
"""Time the data layer and record sizes: benchmarks/data_timings.csv.

    python scripts/benchmark_data.py [--max-events 10000000]

Each measurement runs in a fresh Python process, so its wall time includes
imports and its peak memory (max RSS) is its own.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COURSE_DATA_DIR", ROOT.parent / "shared" / "data"))

STEP = """
import json, resource, time, sys
t0 = time.perf_counter()
{code}
print(json.dumps({{"seconds": round(time.perf_counter() - t0, 2), "rows": int(rows),
                  "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}}))
"""


def measure(name: str, code: str) -> dict:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", STEP.format(code=code)], capture_output=True,
                         text=True, cwd=ROOT, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result.update(step=name, process_seconds=round(time.perf_counter() - start, 2))
    print(f"{name:<45} {result['rows']:>12,} rows {result['seconds']:>8.2f} s "
          f"{result['peak_mib']:>7,} MiB peak")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-events", type=int, default=10_000_000)
    args = parser.parse_args()
    rows = []
    for n in [20_000, 1_000_000, 3_000_000, 10_000_000]:
        if n <= args.max_events:
            rows.append(measure(f"make_shop({n:_})",
                                f"from course_lib.datasets import make_shop\n"
                                f"rows = len(make_shop({n}).events)"))
    retail = ROOT / "datasets" / "online_retail.parquet"  # shipped; COURSE_DATA_DIR may hold another form
    rows.append(measure("load_online_retail + online_retail_events",
                        "from course_lib.datasets import *\n"
                        "raw = load_online_retail(); rows = len(online_retail_events(raw))"))
    rows.append(measure("load_events(online_retail.parquet, mapped)",
                        "from course_lib.datasets import load_events\n"
                        f"rows = len(load_events({str(retail)!r}, "
                        "user='CustomerID', session='InvoiceNo', item='StockCode', "
                        "time='InvoiceDate', drop_missing_ids=True))"))
    if (DATA / "otto_sample_sessions.jsonl").exists():
        rows.append(measure("load_events(otto_sample_sessions.jsonl)",
                            "from course_lib.datasets import load_events\n"
                            f"rows = len(load_events({str(DATA / 'otto_sample_sessions.jsonl')!r}))"))
    target = ROOT / "benchmarks" / "data_timings.csv"
    target.parent.mkdir(exist_ok=True)
    tmp = target.with_suffix(".partial")
    with open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, ["step", "rows", "seconds", "process_seconds", "peak_mib", "machine"])
        w.writeheader()
        machine = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
        for r in rows:
            w.writerow({**r, "machine": machine})
    tmp.replace(target)
    print(f"written {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
