"""Rebuild the shipped copy of UCI Online Retail, byte for byte, from the UCI zip, .xlsx or a CSV.

    python scripts/build_online_retail.py online+retail.zip           # writes datasets/online_retail.parquet
    python scripts/build_online_retail.py online_retail.csv.gz --out /tmp/check.parquet

Every line of the source, in its order, every field as written
(``course_lib.datasets.uci_retail.read_online_retail_table``), written with
the pinned settings ``PARQUET_OPTIONS`` (zstd level 19, dictionary-encoded,
row groups of 262,144 lines, no pandas metadata). The bytes depend on the
pyarrow version (its Parquet writer and the zstd it bundles): the data card
names the version that wrote the shipped file. The script prints the sha256
of the source and of the result, and checks that reading the result back
gives exactly the source's values.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.datasets.uci_retail import (REPO_DATASETS, SHIPPED_NAME,  # noqa: E402
                                            read_online_retail_table, sha256, write_parquet_copy)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="the UCI zip, 'Online Retail.xlsx', or a CSV/CSV.gz of it")
    parser.add_argument("--out", default=str(REPO_DATASETS / SHIPPED_NAME),
                        help=f"the Parquet file to write (default datasets/{SHIPPED_NAME}; must not exist)")
    args = parser.parse_args(argv)
    import pyarrow

    start = time.perf_counter()
    out = write_parquet_copy(args.source, args.out)
    same = read_online_retail_table(out).equals(read_online_retail_table(args.source))
    print(f"source   {args.source}\n  sha256 {sha256(args.source)}")
    print(f"written  {out} ({out.stat().st_size:,} bytes, pyarrow {pyarrow.__version__}, "
          f"{time.perf_counter() - start:.1f} s)\n  sha256 {sha256(out)}")
    print("read back: " + ("identical to the source's values" if same else "DIFFERENT from the source"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
