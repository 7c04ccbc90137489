"""Checkers for the exercises of lesson 10 (solutions/10_your_own_data.ipynb)."""
from __future__ import annotations

import pandas as pd

from course_lib.datasets import EventLogError, load_events
from course_lib.course.exercise import CORRECT, NOT_ATTEMPTED, WRONG, is_missing, report, whole_number


def time_format(answer, texts, expected) -> None:
    """10.1: a strftime format that reads every one of ``texts`` as the ``expected`` times."""
    if is_missing(answer):
        return report("10.1", NOT_ATTEMPTED)
    if not isinstance(answer, str):
        return report("10.1", WRONG, "hint: a format is a string such as '%d/%m/%Y %H:%M'.")
    expected = pd.to_datetime(pd.Series(expected))
    try:
        got = pd.to_datetime(pd.Series(texts), format=answer)
    except (ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0].split(". You might")[0].split(", at position")[0][:100]
        return report("10.1", WRONG, f"hint: pandas cannot read them with it ({first}); "
                                     "%Y year, %m month, %d day, %H hour, %M minute; copy the "
                                     "other characters as they are.")
    if got.equals(expected):
        return report("10.1", CORRECT, f"load_events(..., time_format={answer!r}) reads them.")
    if ((got - expected).abs() == pd.Timedelta(hours=12)).any() and (got.dt.date == expected.dt.date).all():
        return report("10.1", WRONG, "hint: the dates are right but some hours are 12 off: with "
                                     "AM/PM the hour is %I (12-hour clock), not %H.")
    if (got.dt.month == expected.dt.day).all() and (got.dt.day == expected.dt.month).all():
        return report("10.1", WRONG, "hint: it reads, but day and month are swapped: which of "
                                     "the two numbers goes above 12?")
    return report("10.1", WRONG, "hint: it reads, but not as the times given; compare each part.")


def _same_events(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    a, b = a.copy(), b.copy()
    a.attrs, b.attrs = {}, {}
    return a.shape == b.shape and list(a.columns) == list(b.columns) and a.equals(b)


def column_mapping(answer, path, expected: dict) -> None:
    """10.2: keyword arguments that make ``load_events(path, **answer)`` give the intended table."""
    if is_missing(answer):
        return report("10.2", NOT_ATTEMPTED)
    if not isinstance(answer, dict):
        return report("10.2", WRONG, "hint: a dict such as {'user': 'visitor', ...}.")
    try:
        events = load_events(path, **answer)
    except EventLogError as exc:
        return report("10.2", WRONG, f"hint: the loader says: {str(exc).split(': ', 1)[-1]}")
    except TypeError as exc:
        return report("10.2", WRONG, f"hint: {exc}; the keywords are user, session, item, time, "
                                     "event, price, category, quantity, time_unit, ...")
    right = load_events(path, **expected)
    if _same_events(events, right):
        return report("10.2", CORRECT, f"{len(events)} events in {events['session_id'].nunique()} "
                                       "sessions, with the file's own session ids.")
    used = events.attrs.get("columns", {})
    if "session_id" not in used:
        return report("10.2", WRONG, "hint: the file has its own session column; without it the "
                                     "loader cuts sessions by inactivity instead.")
    if set(used.values()) != set(right.attrs["columns"].values()):
        missing = sorted(set(right.attrs["columns"].values()) - set(used.values()))
        return report("10.2", WRONG, f"hint: these columns are not used yet: {', '.join(missing)}.")
    return report("10.2", WRONG, "hint: every column is used, but some hold the wrong thing; "
                                 "compare events.attrs['columns'] with the file's first rows.")


def first_bad_line(answer, path, mapping: dict) -> None:
    """10.3: the line of the file (the header is line 1) the loader complains about first."""
    if is_missing(answer):
        return report("10.3", NOT_ATTEMPTED)
    try:
        load_events(path, **mapping)
    except EventLogError as exc:
        line = exc.line
    else:  # pragma: no cover (the exercise's file is broken on purpose)
        return report("10.3", WRONG, "the file loads: nothing to find.")
    if answer == line:
        return report("10.3", CORRECT, f"line {line}; the error says what to fix there.")
    if answer == line - 1:
        return report("10.3", WRONG, "hint: that counts data rows; a file's line numbers count the "
                                     "header as line 1, and so does the loader.")
    if answer == line - 2:
        return report("10.3", WRONG, "hint: that is a 0-based row of the data; take the error's "
                                     "own number (err.line).")
    return report("10.3", WRONG, "hint: catch the EventLogError and read its line attribute "
                                 "(or the 'line N' in its message).")


def sessions_with_gap(answer, path, mapping: dict, gap: str) -> None:
    """10.4: the number of sessions when a session ends after ``gap`` without an event."""
    if is_missing(answer):
        return report("10.4", NOT_ATTEMPTED)
    expected = int(load_events(path, **mapping, session_gap=gap)["session_id"].nunique())
    default = int(load_events(path, **mapping)["session_id"].nunique())
    value = whole_number(answer)
    if value is None:
        return report("10.4", WRONG, "hint: a number of sessions, a whole number.")
    if value == expected:
        return report("10.4", CORRECT, f"{expected:,} sessions with a {gap} gap against {default:,} "
                                       "with the default 30min: a gap shorter than the pauses "
                                       "between page views splits visits.")
    if value == default:
        return report("10.4", WRONG, f"hint: that is the count with the default gap; pass "
                                     f"session_gap={gap!r}.")
    return report("10.4", WRONG, "hint: events['session_id'].nunique() after loading with "
                                 f"session_gap={gap!r}.")
