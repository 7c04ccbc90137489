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


def test_the_readme_install_table_is_what_benchmarks_install_md_records():
    """It had kept the figures of an install without DuckDB, pyspark and the book's tools
    (142 distributions, 1.43 GiB) after ``tasks.py test`` came to install them (175, 2.08 GiB)."""
    readme = (ROOT / "README.md").read_text()
    measured = {m[1]: (float(m[2]), float(m[3]), int(m[4])) for m in re.finditer(
        r"^\| (lab|test) \| [^|]+ \| (\d+) \| (\d+) \| (\d+) \|", (ROOT / "benchmarks" / "install.md").read_text(), re.M)}
    assert set(measured) == {"lab", "test"}
    for path, (seconds, mib, distributions) in measured.items():
        row = re.search(rf"^\| `python3 tasks.py {path}` \| [^|]*?\((\d+)[^|]*\| ([\d.]+) GiB \| (\d+) s ", readme, re.M)
        assert row, f"the README's install table has no row for tasks.py {path}"
        assert int(row[1]) == distributions, f"{path}: the README says {row[1]} distributions, install.md {distributions}"
        assert abs(float(row[2]) - mib / 1024) <= 0.01, f"{path}: the README says {row[2]} GiB, install.md {mib} MiB"
        assert int(row[3]) == seconds, f"{path}: the README says {row[3]} s, install.md {seconds} s"
