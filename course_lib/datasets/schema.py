"""The canonical event table every loader produces (introduced in lesson 00).

One row per event, sorted by ``timestamp``:

=============  ================  =============================================
column         dtype             meaning
=============  ================  =============================================
user_id        int64 or string   who acted (int64 when every id is an integer)
session_id     int64 or string   one visit; a session belongs to one user
item_id        int64 or string   the product
timestamp      datetime64[ns]    when (UTC, timezone dropped)
event_type     category          view, cart, purchase (others are kept as-is)
price          float64           optional: unit price
category       string            optional: product category
quantity       int64             optional: units (purchases)
=============  ================  =============================================

A purchases table of customer, date and amount has no ``item_id`` column:
the tasks that need items (next item, purchase intent) say so and skip.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

REQUIRED = ("user_id", "session_id", "item_id", "timestamp", "event_type")
OPTIONAL = ("price", "category", "quantity")
COLUMNS = REQUIRED + OPTIONAL

EVENT_TYPES = ("view", "cart", "purchase")

#: Names other logs use for the canonical event types (OTTO, RetailRocket, GA...).
EVENT_SYNONYMS = {
    "view": "view", "views": "view", "click": "view", "clicks": "view",
    "pageview": "view", "page_view": "view", "detail": "view",
    "cart": "cart", "carts": "cart", "addtocart": "cart", "add_to_cart": "cart",
    "purchase": "purchase", "purchases": "purchase", "order": "purchase",
    "orders": "purchase", "transaction": "purchase", "buy": "purchase",
}


class EventLogError(ValueError):
    """Bad input in an event log: the message names file, column and row.

    ``line`` is a line of a text file (the header is line 1); ``row`` a data
    row of a table (Parquet, a DataFrame), counted from 1.

    Raised by every loader instead of whatever pandas or pyarrow raised deep
    inside, so that a learner sees one sentence saying what to fix.
    """

    def __init__(self, message: str, *, path=None, column=None, row=None, line=None):
        self.message, self.path, self.column, self.row, self.line = message, path, column, row, line
        super().__init__(self._located())

    def _located(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.line is not None:
            where.append(f"line {self.line}")
        elif self.row is not None:
            where.append(f"row {self.row}")
        return (", ".join(where) + ": " if where else "") + self.message

    def at_line(self, line: int) -> EventLogError:
        """The same error at another line of the file (the loader numbers a CSV file's records
        one line each; a blank line or a field spanning lines moves the ones after it)."""
        self.line = line
        self.args = (self._located(),)
        return self


def normalise_event_types(values: pd.Series) -> pd.Series:
    """Lower-case event types and map known synonyms onto view/cart/purchase."""
    # map each distinct value once, not each row (a log has millions of rows, few types)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(uniques).astype("string").str.strip().str.lower()
    mapped = [EVENT_SYNONYMS.get(v, v) if isinstance(v, str) else None for v in text]
    extra = sorted(set(v for v in mapped if v is not None) - set(EVENT_TYPES))
    categories = list(EVENT_TYPES) + extra
    position = {c: i for i, c in enumerate(categories)}
    lookup = np.array([position.get(v, -1) if v is not None else -1 for v in mapped] + [-1],
                      dtype=np.int64)
    return pd.Series(pd.Categorical.from_codes(lookup[codes], categories=categories),
                     index=values.index, name="event_type")


def id_column(values: pd.Series) -> pd.Series:
    """Ids as int64 when every value is an integer written as an integer prints, otherwise as
    strings: "05" and "5" are two ids, so any id with a leading zero (or a "+") keeps them all
    as text, and each id reads back as it was written."""
    if pd.api.types.is_integer_dtype(values) and not values.isna().any():
        return values.astype("int64")
    text = values.astype("string").str.strip()
    # "17850" and "17850.0" (an integer column that passed through a float) are ints
    if text.str.fullmatch(r"-?(0|[1-9]\d{0,17})(\.0*)?").all():
        return _digits_to_int64(text)
    return text


def _digits_to_int64(text: pd.Series) -> pd.Series:
    """Checked integer text ("-12", "17850.0") to int64, in Arrow (no Python per value)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        digits = pc.replace_substring_regex(pa.array(text), pattern=r"\.0*$", replacement="")
        numbers = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, TypeError):
        return pd.to_numeric(text).astype("int64")
    return pd.Series(numbers, index=text.index, name=text.name, dtype="int64")


def check_canonical(events: pd.DataFrame) -> None:
    """Raise AssertionError if ``events`` is not a canonical event table."""
    missing = [c for c in REQUIRED if c not in events.columns and c != "item_id"]
    assert not missing, f"missing columns {missing}"
    assert pd.api.types.is_datetime64_dtype(events["timestamp"]), "timestamp dtype"
    assert isinstance(events["event_type"].dtype, pd.CategoricalDtype), "event_type dtype"
    for c in ("user_id", "session_id", "item_id"):
        assert c not in events or events[c].notna().all(), f"{c} has missing values"
    assert events["timestamp"].is_monotonic_increasing, "not sorted by time"
