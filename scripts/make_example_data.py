#!/usr/bin/env python3
"""Write the shipped example event log, datasets/examples/boutique_events.csv.gz (lesson 09).

    python scripts/make_example_data.py                 # (re)write the shipped file
    python scripts/make_example_data.py --out x.csv.gz  # write it somewhere else

The file is the synthetic shop (``make_shop(16_000, seed=9)``: about 16,000
events over 13 weeks) exported the way another shop's system might export
it: other column names, string ids, day-first text times, other words for the
event types, and no session column. Lesson 09 loads it with
``course_lib.datasets.load_events``. The output is deterministic: the same
bytes every run (gzip with mtime 0 and no file name in its header); a test
regenerates it and compares.
"""
from __future__ import annotations

import argparse
import gzip
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.datasets import make_shop  # noqa: E402

OUT = ROOT / "datasets" / "examples" / "boutique_events.csv.gz"
N_EVENTS, SEED = 16_000, 9
TIME_FORMAT = "%d/%m/%Y %H:%M:%S"
#: canonical event type -> the word the example shop's system writes
EVENT_WORDS = {"view": "detail", "cart": "add_to_cart", "purchase": "transaction"}


def example_csv_text(n_events: int = N_EVENTS, seed: int = SEED) -> str:
    """The example log as CSV text (columns: when, shopper, what, product_code, dept, unit_price, qty)."""
    events = make_shop(n_events, seed=seed).events
    out = io.StringIO()
    table = {
        "when": events["timestamp"].dt.strftime(TIME_FORMAT),
        "shopper": "C" + events["user_id"].astype(str).str.zfill(5),
        "what": events["event_type"].astype(str).map(EVENT_WORDS),
        "product_code": "SKU-" + events["item_id"].astype(str).str.zfill(4),
        "dept": events["category"].astype(str),
        "unit_price": events["price"].map("{:.2f}".format),
        "qty": events["quantity"].astype(str),
    }
    import pandas as pd

    pd.DataFrame(table).to_csv(out, index=False, lineterminator="\n")
    return out.getvalue()


def write_example(path: Path = OUT, n_events: int = N_EVENTS, seed: int = SEED) -> Path:
    """Write the gzip file (mtime 0, no name in the header: the same bytes every run)."""
    data = example_csv_text(n_events, seed).encode("utf-8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                               compresslevel=9, mtime=0) as gz:
        gz.write(data)
    tmp.replace(path)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    path = write_example(args.out)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
