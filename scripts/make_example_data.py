#!/usr/bin/env python3
"""Write the shipped example logs of datasets/examples/ (lesson 10).

    python scripts/make_example_data.py                 # (re)write both shipped files
    python scripts/make_example_data.py --out x.csv.gz  # write the boutique log somewhere else
    python scripts/make_example_data.py --purchases-out y.csv.gz

``boutique_events.csv.gz``, a clickstream with other column names:
The file is the synthetic shop (``make_shop(16_000, seed=9)``: about 16,000
events over 13 weeks) exported the way another shop's system might export
it: other column names, string ids, day-first text times, other words for the
event types, and no session column. Lesson 10 loads it with
``course_lib.datasets.load_events``. The output is deterministic: the same
bytes every run (gzip with mtime 0 and no file name in its header); a test
regenerates it and compares.

``cd_purchases.csv.gz``, a purchases table with no item and no event
column (customer, date, amount), shaped like the classic CDNOW log: customers
who first buy in the first quarter, then buy again at their own rate until
they drop out. See ``datasets/examples/README.md``.
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
PURCHASES_OUT = ROOT / "datasets" / "examples" / "cd_purchases.csv.gz"
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


def purchases_csv_text(n_customers: int = 1_500, seed: int = 1997) -> str:
    """A CDNOW-like purchases table (columns: customer_id, date, amount), one line per purchase.

    Each customer first buys on a day of January-March 1997, then buys again
    at a rate of their own (gamma-distributed, about one purchase in 40
    days on average) and, after each purchase, drops out for good with a
    probability of their own (beta-distributed, a quarter on average): the
    Pareto/NBD-style story behind customer-base analysis. Amounts are
    log-normal around each customer's own level (dollars, two decimals).
    The log ends on 30 June 1998 (78 weeks).
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    start, days = pd.Timestamp("1997-01-01"), 546
    rows = []
    for customer in range(1, n_customers + 1):
        rate = rng.gamma(0.8, 1 / 32)            # purchases per day while active
        dropout = rng.beta(1.0, 3.0)             # after each purchase
        level = rng.lognormal(3.0, 0.5)          # the customer's typical amount
        day = int(rng.integers(0, 90))
        while day < days:
            amount = round(float(level * rng.lognormal(0.0, 0.35)), 2)
            rows.append((f"{customer:05d}", (start + pd.Timedelta(days=day)).strftime("%Y-%m-%d"),
                         f"{amount:.2f}"))
            if rng.random() < dropout:
                break
            day += 1 + int(rng.exponential(1 / rate))
    table = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    table = table.sort_values(["date", "customer_id"], kind="stable")
    return table.to_csv(index=False, lineterminator="\n")


def _write_gzip(path: Path, text: str) -> Path:
    """Write ``text`` gzip-compressed (mtime 0, no name in the header: the same bytes every run)."""
    data = text.encode("utf-8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                               compresslevel=9, mtime=0) as gz:
        gz.write(data)
    tmp.replace(path)
    return path


def write_example(path: Path = OUT, n_events: int = N_EVENTS, seed: int = SEED) -> Path:
    """Write the boutique log."""
    return _write_gzip(path, example_csv_text(n_events, seed))


def write_purchases(path: Path = PURCHASES_OUT) -> Path:
    """Write the CDNOW-like purchases table."""
    return _write_gzip(path, purchases_csv_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write the boutique log "
                        f"(default {OUT.relative_to(ROOT)})")
    parser.add_argument("--purchases-out", type=Path, default=PURCHASES_OUT,
                        help=f"where to write the purchases table (default {PURCHASES_OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    for path in (write_example(args.out), write_purchases(args.purchases_out)):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
