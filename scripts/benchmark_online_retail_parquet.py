#!/usr/bin/env python3
"""Size and read time of UCI Online Retail under Parquet writer options: benchmarks/online_retail_parquet.md.

    python scripts/benchmark_online_retail_parquet.py [--repeats 5]

The table is the lossless typed one (read from the shipped copy, or from the
file ``find_online_retail`` finds), written in memory with each option set and
read back: ``pq.read_table`` alone, and to pandas. Read times are the best of
``--repeats`` runs. Then the loaders the lessons call, on the shipped file.
The chosen settings are ``PARQUET_OPTIONS`` in ``course_lib.datasets.uci_retail``.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "online_retail_parquet"

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from course_lib.datasets.uci_retail import (PARQUET_OPTIONS, find_online_retail,  # noqa: E402
                                            load_online_retail, online_retail_events,
                                            read_online_retail_table)

TEXT = ["InvoiceNo", "StockCode", "Description", "Country"]
OPTIONS = {
    "uncompressed, dictionary": dict(compression="none"),
    "snappy, dictionary (pyarrow's default)": dict(compression="snappy"),
    "lz4, dictionary": dict(compression="lz4"),
    "gzip 9, dictionary": dict(compression="gzip", compression_level=9),
    "brotli 11, dictionary": dict(compression="brotli", compression_level=11),
    "zstd 1, dictionary": dict(compression="zstd", compression_level=1),
    "zstd 3, dictionary": dict(compression="zstd", compression_level=3),
    "zstd 9, dictionary": dict(compression="zstd", compression_level=9),
    "zstd 19, no dictionary": dict(compression="zstd", compression_level=19, use_dictionary=False),
    "zstd 19, dictionary": dict(compression="zstd", compression_level=19),
    "zstd 19, dictionary for text, 64k-line row groups": {**PARQUET_OPTIONS, "row_group_size": 65_536},
    "zstd 19, dictionary for text, 256k-line row groups": {**PARQUET_OPTIONS, "row_group_size": 262_144},
    "zstd 19, dictionary for text, delta-encoded times": {
        **PARQUET_OPTIONS, "column_encoding": {"InvoiceDate": "DELTA_BINARY_PACKED"}},
    "zstd 22, dictionary for text, 1 row group": {**PARQUET_OPTIONS, "compression_level": 22},
    "shipped: zstd 19, dictionary for text, 1 row group": PARQUET_OPTIONS,
}


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    source = find_online_retail()
    table = read_online_retail_table(source).replace_schema_metadata(None)
    rows = []
    for name, options in OPTIONS.items():
        buffer = io.BytesIO()
        start = time.perf_counter()
        pq.write_table(table, buffer, **options)
        write_s = time.perf_counter() - start
        data = buffer.getvalue()
        read_s = best_of(args.repeats, lambda: pq.read_table(pa.BufferReader(data)))
        pandas_s = best_of(args.repeats, lambda: pq.read_table(pa.BufferReader(data)).to_pandas())
        assert pq.read_table(pa.BufferReader(data)).cast(table.schema).equals(table)
        rows.append({"options": name, "bytes": len(data), "MiB": round(len(data) / 2**20, 2),
                     "write_s": round(write_s, 2), "read_s": round(read_s, 3),
                     "read_to_pandas_s": round(pandas_s, 3)})
        print(f"{name:<52} {len(data) / 2**20:6.2f} MiB  write {write_s:5.2f} s  read {read_s:.3f} s"
              f"  to pandas {pandas_s:.3f} s", flush=True)
    loaders = {
        "load_online_retail()": lambda: load_online_retail(),
        "online_retail_events(customers='known')": lambda: online_retail_events(),
        "online_retail_events(customers='all')": lambda: online_retail_events(customers="all"),
    }
    loader_rows = []
    for name, fn in loaders.items():
        seconds = best_of(args.repeats, fn)
        loader_rows.append((name, seconds))
        print(f"{name:<52} {seconds:.2f} s", flush=True)

    OUT.parent.mkdir(exist_ok=True)
    with open(OUT.with_suffix(".csv"), "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# UCI Online Retail as Parquet: size and read time by writer option",
        "",
        f"Written by `python scripts/benchmark_online_retail_parquet.py --repeats {args.repeats}` on "
        f"{time.strftime('%Y-%m-%d')}. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, pyarrow {pa.__version__}; 1-minute load average "
        f"{load:.1f} when it finished (other jobs were running: times are upper bounds). "
        f"Source: `{source.name}`, {table.num_rows:,} lines, all 8 columns. Read times: best of "
        f"{args.repeats}, from memory.",
        "",
        "| options | size (MiB) | write (s) | read (s) | read to pandas (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {r['options']} | {r['MiB']:.2f} | {r['write_s']:.2f} | {r['read_s']:.3f} | "
              f"{r['read_to_pandas_s']:.3f} |" for r in rows]
    lines += ["", "The lessons' loaders on the shipped file (best of "
              f"{args.repeats}, including reading the file):", "",
              "| call | seconds |", "|---|---:|"]
    lines += [f"| `{name}` | {seconds:.2f} |" for name, seconds in loader_rows]
    lines.append("")
    OUT.with_suffix(".md").write_text("\n".join(lines))
    print(f"written: {OUT.with_suffix('.md').relative_to(ROOT)}, {OUT.with_suffix('.csv').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
