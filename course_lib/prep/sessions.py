"""Gap-based sessionisation (lesson 00).

A session is a run of one user's events with no pause longer than ``gap``
(30 minutes is the web-analytics convention).
"""
from __future__ import annotations

import pandas as pd

from course_lib.datasets.own_data import assign_sessions


def sessionise(events: pd.DataFrame, gap="30min", column: str = "session_id") -> pd.DataFrame:
    """A copy of ``events`` whose ``column`` holds gap-based session numbers."""
    out = events.copy()
    out[column] = assign_sessions(out["user_id"], out["timestamp"], gap)
    return out


def session_lengths(events: pd.DataFrame) -> pd.Series:
    """Number of events in each session."""
    return events.groupby("session_id", sort=False).size().rename("events")
