"""Time-based splits: train on the past, test on the future (lesson 00 on).

A random split lets a model see tomorrow's behaviour while it learns, and
its score then says little about how it would do in production.
"""
from __future__ import annotations

import pandas as pd


def cut_before_last_days(events: pd.DataFrame, days: float) -> pd.Timestamp:
    """The cut that leaves the last ``days`` days of the log for testing."""
    return events["timestamp"].max() - pd.Timedelta(days=days)


def time_split(events: pd.DataFrame, cut, *, by_session: bool = True):
    """Split at ``cut``: train holds events before it, test events at or after it.

    With ``by_session=True`` (the default) a session that starts before the
    cut and ends after it contributes its early events to train and nothing
    to test, so no session is in both and every test session is complete.
    Either way no test event precedes the cut and no train event follows it.
    Returns ``(train, test)``.
    """
    cut = pd.Timestamp(cut)
    before = events["timestamp"] < cut
    train = events[before]
    test = events[~before]
    if by_session:
        test = test[~test["session_id"].isin(train["session_id"].unique())]
    return train.reset_index(drop=True), test.reset_index(drop=True)


def train_valid_test(events: pd.DataFrame, test_days: float, valid_days: float):
    """Three time windows: tune on ``valid`` (carved from training time), report on ``test``."""
    test_cut = cut_before_last_days(events, test_days)
    rest, test = time_split(events, test_cut)
    valid_cut = test_cut - pd.Timedelta(days=valid_days)
    train, valid = time_split(rest, valid_cut)
    return train, valid, test
