"""Churn: which customers buy nothing in the next ``horizon_days``? (lesson 09)

Labels are built **without peeking past the cut-off**: a customer's
features use only purchases before the cut-off, the label only purchases in
``[cut-off, cut-off + horizon)``. Training examples come from an earlier
cut-off whose label window ends where the test's cut-off begins, so the
model is trained on outcomes that were known when the test predictions are
made.

Features (recency, frequency, monetary value and tenure, the classic RFM
view, plus recent activity) and a step sequence of weekly activity
[log(1 + orders), log(1 + spend)] over the last ``weeks`` weeks.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from course_lib.prep.labelled import Examples

STEP_NAMES = ("log_orders", "log_spend")


def _purchases(events: pd.DataFrame) -> pd.DataFrame:
    p = events[events["event_type"] == "purchase"]
    if {"price", "quantity"} <= set(p):
        spend = p["price"].fillna(0) * p["quantity"]
    elif "price" in p:  # one amount per line (a purchases table of customer, date and amount)
        spend = p["price"].fillna(0)
    else:
        spend = pd.Series(1.0, index=p.index)
    # without an item column, every line counts as a distinct item
    items = p["item_id"].to_numpy() if "item_id" in p else np.arange(len(p))
    return pd.DataFrame({"user_id": p["user_id"].to_numpy(), "session_id": p["session_id"].to_numpy(),
                         "item_id": items, "timestamp": p["timestamp"].to_numpy(),
                         "spend": spend.to_numpy(dtype=float)})


def churn_examples(events: pd.DataFrame, cutoff, horizon_days: int = 90, weeks: int = 26) -> Examples:
    """One example per customer who bought before ``cutoff``; label 1 = no purchase in the horizon."""
    cutoff = pd.Timestamp(cutoff)
    end = cutoff + pd.Timedelta(days=horizon_days)
    p = _purchases(events)
    if p.empty:
        raise ValueError("no churn task: the log has no purchase events")
    if p["timestamp"].max() < end - pd.Timedelta(days=1):
        raise ValueError(f"the label window {cutoff:%Y-%m-%d} + {horizon_days} days runs past the "
                         f"last purchase ({p['timestamp'].max():%Y-%m-%d}); choose an earlier cut-off")
    past = p[p["timestamp"] < cutoff]
    future = p[(p["timestamp"] >= cutoff) & (p["timestamp"] < end)]
    if past.empty:
        raise ValueError(f"no purchases before the cut-off {cutoff:%Y-%m-%d}")
    orders = past.groupby(["user_id", "session_id"], sort=False).agg(
        timestamp=("timestamp", "min"), spend=("spend", "sum")).reset_index()
    g = orders.groupby("user_id", sort=True)
    days_before = lambda t: (cutoff - t).dt.total_seconds() / 86_400  # noqa: E731
    recent = orders[orders["timestamp"] >= cutoff - pd.Timedelta(days=horizon_days)]
    features = pd.DataFrame({
        "recency_days": days_before(g["timestamp"].max()),
        "tenure_days": days_before(g["timestamp"].min()),
        "log_orders": np.log1p(g.size()),
        "log_spend": np.log1p(g["spend"].sum().clip(lower=0)),
        "log_orders_recent": np.log1p(recent.groupby("user_id").size().reindex(g.size().index,
                                                                                  fill_value=0)),
        "log_distinct_items": np.log1p(past.groupby("user_id")["item_id"].nunique()),
    })
    features["log_days_per_order"] = np.log1p(features["tenure_days"] / np.expm1(features["log_orders"]))
    customers = features.index
    label = (~customers.isin(future["user_id"].unique())).astype(int)

    week = ((cutoff - orders["timestamp"]).dt.total_seconds() // (7 * 86_400)).astype(int)
    keep = week < weeks
    row = customers.get_indexer(orders.loc[keep, "user_id"])
    col = weeks - 1 - week[keep].to_numpy()          # oldest week first, the last week at the end
    steps = np.zeros((len(customers), weeks, len(STEP_NAMES)), dtype="float32")
    np.add.at(steps[:, :, 0], (row, col), 1.0)
    np.add.at(steps[:, :, 1], (row, col), orders.loc[keep, "spend"].clip(lower=0).to_numpy())
    steps = np.log1p(steps)
    return Examples(features=features.astype("float32"), steps=steps, items=None,
                    label=np.asarray(label), time=np.full(len(customers), np.datetime64(cutoff)),
                    step_names=STEP_NAMES, what="customers")


def churn_cutoffs(events: pd.DataFrame, horizon_days: int = 90) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(training cut-off, test cut-off): the test's label window ends with the data,
    the training label window ends where the test cut-off begins."""
    last = events.loc[events["event_type"] == "purchase", "timestamp"].max().normalize() + pd.Timedelta(days=1)
    first = events["timestamp"].min()
    test_cut = last - pd.Timedelta(days=horizon_days)
    train_cut = test_cut - pd.Timedelta(days=horizon_days)
    if train_cut - first < pd.Timedelta(days=horizon_days):
        span = (last - first).days
        raise ValueError(f"no churn task: {span} days of purchases are too few for a {horizon_days}-day "
                         f"horizon (it needs at least {3 * horizon_days}: history, a training label "
                         "window and a test label window)")
    return train_cut, test_cut


def churn_train_test(events: pd.DataFrame, horizon_days: int = 90, weeks: int = 26):
    """Training and test examples at the two cut-offs of :func:`churn_cutoffs`."""
    train_cut, test_cut = churn_cutoffs(events, horizon_days)
    return (churn_examples(events, train_cut, horizon_days, weeks),
            churn_examples(events, test_cut, horizon_days, weeks))
