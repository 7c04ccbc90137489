"""Checkers for the exercises of lesson 00 (solutions/00_setup_and_data_tour.ipynb).

Each computes the right answer from the learner's own data, so the checker
cannot drift from the lesson, and recognises the usual slips to give a hint.
"""
from __future__ import annotations

import pandas as pd

from course_lib.course.exercise import CORRECT, NOT_ATTEMPTED, WRONG, close, is_missing, report
from course_lib.prep.split import time_split


def session_conversion_rate(answer, events: pd.DataFrame) -> None:
    """00.1: the share of sessions with at least one purchase."""
    if is_missing(answer):
        return report("00.1", NOT_ATTEMPTED)
    buying = events.loc[events["event_type"] == "purchase", "session_id"].nunique()
    sessions = events["session_id"].nunique()
    if close(answer, buying / sessions):
        return report("00.1", CORRECT, "that is the session conversion rate.")
    per_event = (events["event_type"] == "purchase").mean()
    if close(answer, per_event):
        return report("00.1", WRONG, "hint: that is purchases per *event*; divide sessions "
                                     "with a purchase by all sessions.")
    if close(answer, 100 * buying / sessions):
        return report("00.1", WRONG, "hint: give a share between 0 and 1, not a percentage.")
    return report("00.1", WRONG, "hint: count the distinct session_id values that have a "
                                 "purchase event, then divide by all distinct session_id values.")


def busiest_weekday(answer, daily: pd.Series) -> None:
    """00.2: the weekday name (e.g. "Mon") with the highest mean of a daily series."""
    if is_missing(answer):
        return report("00.2", NOT_ATTEMPTED)
    means = daily.groupby(daily.index.day_of_week).mean()
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    best = names[int(means.idxmax())]
    given = str(answer).strip()[:3].title()
    if given == best:
        return report("00.2", CORRECT, "weekly seasonality is why forecasts compare with "
                                       "the same weekday a week earlier.")
    if given == names[int(daily.groupby(daily.index.day_of_week).sum().idxmax())]:
        return report("00.2", WRONG, "hint: some weekdays occur more often in the window; "
                                     "compare the *mean* per weekday, not the sum.")
    if given not in names:
        return report("00.2", WRONG, "hint: answer with a weekday name such as 'Mon'.")
    return report("00.2", WRONG, "hint: group the series by series.index.day_of_week and take "
                                 "the mean of each group.")


def top_share(answer, events: pd.DataFrame, top_fraction: float = 0.2) -> None:
    """00.3: the share of view events that go to the 20 % most-viewed items."""
    if is_missing(answer):
        return report("00.3", NOT_ATTEMPTED)
    counts = events.loc[events["event_type"] == "view", "item_id"].value_counts()
    n_top = max(1, int(round(top_fraction * len(counts))))
    expected = counts.iloc[:n_top].sum() / counts.sum()
    if close(answer, expected, rel=0.01):
        return report("00.3", CORRECT, f"the most viewed fifth of the items gets {expected:.0%} of the "
                                       "views: popularity is uneven, which makes it a baseline to beat.")
    all_counts = events["item_id"].value_counts()
    n_all = max(1, int(round(top_fraction * len(all_counts))))
    if close(answer, all_counts.iloc[:n_all].sum() / all_counts.sum(), rel=0.01):
        return report("00.3", WRONG, "hint: count view events only, not carts and purchases.")
    return report("00.3", WRONG, "hint: value_counts() of the viewed item ids sorts them; take "
                                 "the first 20 % of the items and divide their views by all views.")


def same_events(answer: pd.DataFrame, expected: pd.DataFrame) -> bool:
    """The same rows, in any order and with any index (00.4)."""
    columns = list(expected.columns)
    if len(answer) != len(expected) or not set(columns) <= set(answer.columns):
        return False

    def rows(frame):
        return frame[columns].sort_values(columns).reset_index(drop=True)

    return rows(answer).equals(rows(expected))


def leak_free_split(train: pd.DataFrame | None, test: pd.DataFrame | None, cut, events: pd.DataFrame) -> None:
    """00.4: a time split of ``events`` at ``cut``: train holds every event before it, test the
    events at or after it except those of sessions that started before it (``time_split``'s rule)."""
    if is_missing(train) or is_missing(test):
        return report("00.4", NOT_ATTEMPTED)
    cut = pd.Timestamp(cut)
    if (train["timestamp"] >= cut).any():
        return report("00.4", WRONG, "hint: the training set holds events at or after the cut: "
                                     "it would learn from the future.")
    if (test["timestamp"] < cut).any():
        return report("00.4", WRONG, "hint: the test set holds events before the cut.")
    if set(train["session_id"]) & set(test["session_id"]):
        return report("00.4", WRONG, "hint: some sessions are in both sets; drop from the test "
                                     "set the sessions that started before the cut.")
    right_train, right_test = time_split(events, cut)
    if not same_events(train, right_train):
        return report("00.4", WRONG, "hint: the training set must hold every event before the cut, "
                                     "the early events of a session in progress at the cut included.")
    if not same_events(test, right_test):
        return report("00.4", WRONG, "hint: the test set must hold every event at or after the cut, "
                                     "except those of sessions that started before it.")
    before = events["timestamp"] < cut
    in_progress = len(set(events.loc[before, "session_id"]) & set(events.loc[~before, "session_id"]))
    return report("00.4", CORRECT, f"a time-based split, the only honest one for behaviour data "
                                   f"(sessions in progress at the cut: {in_progress}, kept out of the test).")
