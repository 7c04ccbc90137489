"""The README's measured numbers that a benchmark file records: the README states what the file says.

The engines' table had kept the first, loaded machine's figures (1M events with DuckDB: 9 s) after
``benchmarks/engines.csv`` was measured again (2.7 s).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
EVENTS = {"1 million": 998_275, "10 million": 9_932_553, "100 million": 98_757_253}
ENGINES = ("pandas", "duckdb", "spark")   # the table's columns, in order


def test_the_readme_engines_table_is_what_benchmarks_engines_csv_records():
    readme = (ROOT / "README.md").read_text()
    measured = pd.read_csv(ROOT / "benchmarks" / "engines.csv").drop_duplicates(
        ["engine", "events"], keep="last").set_index(["engine", "events"])
    cell = re.compile(r"([\d.]+) s / ([\d.]+) s / ([\d.]+) GiB")
    checked = 0
    for size, events in EVENTS.items():
        row = re.search(rf"^\| {size} \|(.*)\|$", readme, re.M)
        assert row, f"the README's engines table has no row for {size} events"
        for engine, text in zip(ENGINES, row[1].split("|")):
            said = cell.search(text)
            if not said:
                assert (engine, events) not in measured.index, f"{engine} at {size}: measured, not in the README"
                continue
            wall, cpu, gib = map(float, said.groups())
            m = measured.loc[(engine, events)]
            where = f"{engine} at {size} events: the README says {said[0]}, engines.csv"
            assert abs(wall - m.total_s) <= max(0.05 * m.total_s, 0.5), f"{where} {m.total_s} s"
            assert abs(cpu - m.cpu_s) <= 1, f"{where} {m.cpu_s} CPU s"
            assert abs(gib - m.peak_mib / 1024) <= 0.06, f"{where} {m.peak_mib} MiB"
            checked += 1
    assert checked == len(measured), "a run of engines.csv is not in the README's table"
