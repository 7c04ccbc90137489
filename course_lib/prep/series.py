"""Daily series from event logs (lessons 00, 01-03, 09)."""
from __future__ import annotations

import pandas as pd


def daily_series(events: pd.DataFrame, *, event_type: str | None = "purchase",
                 value: str = "events", freq: str = "D") -> pd.Series:
    """Events per day, or units (``value="quantity"``), revenue (``"revenue"``) or
    distinct sessions, e.g. orders (``"sessions"``).

    Days without events are kept as zeros, so the index is a complete
    calendar: a day the shop was closed shows as 0, not as a missing day.
    """
    if event_type is not None:
        events = events[events["event_type"] == event_type]
    by_time = events.set_index("timestamp")
    if value == "events":
        series = by_time["event_type"].resample(freq).size()
    elif value == "quantity":
        series = by_time["quantity"].resample(freq).sum()
    elif value == "revenue":
        series = (by_time["quantity"] * by_time["price"]).resample(freq).sum()
    elif value == "sessions":
        series = by_time["session_id"].resample(freq).nunique()
    else:
        raise ValueError("value must be 'events', 'quantity', 'revenue' or 'sessions'")
    return series.rename(value).rename_axis("date")


def zero_runs(series: pd.Series, min_days: int = 1) -> pd.DataFrame:
    """Runs of consecutive zero days (closures, outages), longest first (lessons 00, 03)."""
    zero = (series == 0).to_numpy()
    runs, start = [], None
    for i, z in enumerate(list(zero) + [False]):
        if z and start is None:
            start = i
        elif not z and start is not None:
            if i - start >= min_days:
                runs.append((series.index[start], series.index[i - 1], i - start))
            start = None
    frame = pd.DataFrame(runs, columns=["first", "last", "days"])
    return frame.sort_values(["days", "first"], ascending=[False, True], ignore_index=True)


def trading_days(series: pd.Series, start=None) -> pd.Series:
    """Keep only days the shop traded (non-zero), from ``start`` on (lesson 03).

    For a shop that never opens on some weekdays and closes on holidays, a
    zero on those days means *closed*, not *no demand*; forecasting them is
    pointless and they would distort a model's fit. The result is indexed by
    the remaining dates (no fixed frequency); its seasonal period is the
    number of trading days per week.
    """
    if start is not None:
        series = series[series.index >= pd.Timestamp(start)]
    return series[series > 0]
