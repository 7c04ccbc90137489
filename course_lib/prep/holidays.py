"""Shopping holidays that make a test window unusual (``course-lib report``'s trust section, lesson 10).

A test window that holds Christmas, Black Friday or Easter measures a
model on days unlike the rest of the year: shoppers buy gifts, stock runs
out, shops close. The report warns when its test window holds one. Only
dates common to many countries are listed; add your own with ``extra``.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd


def easter(year: int) -> dt.date:
    """Western Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def holidays_of(year: int) -> list[tuple[dt.date, dt.date, str]]:
    """(first day, last day, name) of the shopping holidays of ``year``."""
    thursdays = [dt.date(year, 11, d) for d in range(1, 31) if dt.date(year, 11, d).weekday() == 3]
    black_friday = thursdays[3] + dt.timedelta(days=1)
    e = easter(year)
    return [(dt.date(year, 1, 1), dt.date(year, 1, 1), "New Year's Day"),
            (e - dt.timedelta(days=2), e + dt.timedelta(days=1), "Easter, Good Friday to Easter Monday"),
            (black_friday, black_friday + dt.timedelta(days=3), "Black Friday to Cyber Monday"),
            (dt.date(year, 12, 24), dt.date(year, 12, 31), "Christmas to New Year's Eve")]


def holidays_between(start, end, extra=()) -> list[str]:
    """Names (with dates) of the holidays that overlap the window [start, end]; ``extra`` adds
    (first, last, name) tuples of your own."""
    start, end = pd.Timestamp(start).date(), pd.Timestamp(end).date()
    found = []
    for year in range(start.year, end.year + 1):
        for first, last, name in [*holidays_of(year), *extra]:
            first, last = pd.Timestamp(first).date(), pd.Timestamp(last).date()
            if first <= end and last >= start:
                span = f"{first:%d %b %Y}" if first == last else f"{first:%d %b} to {last:%d %b %Y}"
                found.append(f"{name} ({span})")
    return list(dict.fromkeys(found))
