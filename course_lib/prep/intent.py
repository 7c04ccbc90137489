"""Purchase intent: will this session end in a purchase? (lesson 09)

The prediction is made after a session's first ``k`` events, so a model
may only use those events and what happened in the user's **earlier**
sessions. Sessions shorter than ``k`` events, and sessions that bought
within their first ``k`` events (already decided), are left out.

Features of the first ``k`` events: counts per event type, distinct items
and categories, prices, how long the ``k`` events took, hour and weekday.
Features of the user's past: earlier sessions, earlier sessions with a
purchase, days since the previous session. The step sequence has, per
event, [is a cart event, log price, log seconds since the previous event].
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from course_lib.prep.labelled import Examples

STEP_NAMES = ("is_cart", "log_price", "log_gap_s")


def has_intent_task(events: pd.DataFrame) -> tuple[bool, str]:
    """Whether a log supports the task, and why not when it does not."""
    kinds = set(events["event_type"].astype(str).unique())
    if "purchase" not in kinds:
        return False, "the log has no purchase events, so there is nothing to predict"
    if kinds <= {"purchase"}:
        return False, ("every event is a purchase (no views or carts), so every session "
                       "ends in a purchase and there is nothing to predict")
    return True, ""


def _session_table(events: pd.DataFrame, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    e = events.sort_values(["session_id", "timestamp"], kind="stable")
    position = e.groupby("session_id", sort=False).cumcount().to_numpy()
    purchase = (e["event_type"] == "purchase").to_numpy()
    first_purchase = np.where(purchase, position, np.iinfo(np.int64).max)
    frame = pd.DataFrame({"session_id": e["session_id"].to_numpy(), "first_purchase": first_purchase})
    g = frame.groupby("session_id", sort=False)
    sessions = pd.DataFrame({
        "user_id": e.groupby("session_id", sort=False)["user_id"].first(),
        "start": e.groupby("session_id", sort=False)["timestamp"].min(),
        "n_events": g.size(),
        "first_purchase": g["first_purchase"].min(),
    })
    sessions["purchased"] = sessions["first_purchase"] < np.iinfo(np.int64).max
    head = e[position < k]
    return sessions, head


def _history(sessions: pd.DataFrame) -> pd.DataFrame:
    """Per session, the user's earlier sessions (by start time) and their purchases."""
    s = sessions.sort_values(["user_id", "start"], kind="stable")
    by_user = s.groupby("user_id", sort=False)
    earlier = by_user.cumcount()
    bought_before = by_user["purchased"].cumsum() - s["purchased"].astype(int)
    gap_days = by_user["start"].diff().dt.total_seconds() / 86_400
    history = pd.DataFrame({
        "earlier_sessions": earlier,
        "earlier_purchase_sessions": bought_before,
        "earlier_purchase_rate": (bought_before + 0.2) / (earlier + 1.0),  # smoothed towards 0.2
        "first_visit": (earlier == 0).astype(int),
        "log_days_since_last": np.log1p(gap_days.fillna(365.0)),
    }, index=s.index)
    return history.loc[sessions.index]


def intent_examples(events: pd.DataFrame, k: int = 3) -> Examples:
    """One example per eligible session: features of its first ``k`` events and the user's past."""
    ok, why = has_intent_task(events)
    if not ok:
        raise ValueError(f"no purchase-intent task: {why}")
    if k < 1:
        raise ValueError("k must be at least 1")
    sessions, head = _session_table(events, k)
    history = _history(sessions)
    eligible = (sessions["n_events"] >= k) & (sessions["first_purchase"] >= k)
    sessions, history = sessions[eligible], history[eligible]
    head = head[head["session_id"].isin(sessions.index)]

    kind = head["event_type"].astype(str)
    g = head.assign(is_view=(kind == "view").to_numpy(), is_cart=(kind == "cart").to_numpy()) \
        .groupby("session_id", sort=False)
    first = g["timestamp"].min()
    features = pd.DataFrame({
        "views": g["is_view"].sum(),
        "carts": g["is_cart"].sum(),
        "distinct_items": g["item_id"].nunique(),
        "log_seconds": np.log1p((g["timestamp"].max() - first).dt.total_seconds()),
        "hour": first.dt.hour,
        "weekend": (first.dt.day_of_week >= 5).astype(int),
    })
    if "category" in head:
        features["distinct_categories"] = g["category"].nunique()
    if "price" in head and head["price"].notna().any():
        features["log_mean_price"] = np.log1p(g["price"].mean().fillna(0))
        features["log_max_price"] = np.log1p(g["price"].max().fillna(0))
    features = features.loc[sessions.index].join(history)

    # the step sequence, one row per session and step (all sessions have k steps here)
    order = {sid: i for i, sid in enumerate(sessions.index)}
    row = head["session_id"].map(order).to_numpy(dtype=np.int64)   # int even with no session
    col = head.groupby("session_id", sort=False).cumcount().to_numpy()
    gaps = head.groupby("session_id", sort=False)["timestamp"].diff().dt.total_seconds().fillna(0)
    price = head["price"].fillna(0).to_numpy() if "price" in head else np.zeros(len(head))
    steps = np.zeros((len(sessions), k, len(STEP_NAMES)), dtype="float32")
    steps[row, col, 0] = (kind == "cart").to_numpy()
    steps[row, col, 1] = np.log1p(price)
    steps[row, col, 2] = np.log1p(gaps.to_numpy())
    items = np.full((len(sessions), k), None, dtype=object)
    items[row, col] = head["item_id"].to_numpy()
    return Examples(features=features.astype("float32"), steps=steps, items=items,
                    label=sessions["purchased"].to_numpy().astype(int),
                    time=first.loc[sessions.index].to_numpy(), step_names=STEP_NAMES,
                    what="sessions")
