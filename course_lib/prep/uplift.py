"""Campaign data for uplift models: who was sent the coupon, what was known, who bought (lesson 09).

A campaign lives in the event log as one **assignment row** per customer: a
row whose ``treatment`` value is 1 (sent the coupon, or shown the ad) or 0
(held out: the control group), at the time of the assignment; every other
row has no treatment value. Rows less than ``gap_days`` apart belong to the
same campaign, so a log can hold several (:func:`campaign_assignments`).

:func:`campaign_data` turns one campaign into one row per customer:

* ``features``: what was known before the campaign started, the churn
  features of :mod:`course_lib.prep.churn` (recency, frequency, spend,
  tenure) plus visits (days since the last visit, visits in the last 28 days);
* ``steps``: the weekly sequence before the start, [log orders, log spend,
  log visits] per week (the churn task's sequence plus visits);
* ``treatment`` (1/0) and ``outcome``: 1 if the customer bought within
  ``window_days`` of their assignment.

Only customers who bought before the campaign get churn features, so only
they are kept (``CampaignData.dropped`` counts the others).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from course_lib.datasets.own_data import how_many
from course_lib.prep.churn import churn_examples
from course_lib.prep.labelled import Examples

STEP_NAMES = ("log_orders", "log_spend", "log_visits")
VISIT_FEATURES = ("days_since_visit", "log_visits_28d")


@dataclass
class CampaignData:
    """One campaign's customers: features before it, treatment, outcome in the window."""

    features: pd.DataFrame
    steps: np.ndarray
    treatment: np.ndarray
    outcome: np.ndarray
    start: pd.Timestamp
    window_days: int
    dropped: int = 0

    def __len__(self) -> int:
        return len(self.outcome)

    @property
    def user_id(self) -> np.ndarray:
        return self.features.index.to_numpy()

    def rate(self, treated: int) -> float:
        """Share who bought in one arm (1: sent the coupon, 0: held out)."""
        arm = self.treatment == treated
        return float(self.outcome[arm].mean()) if arm.any() else float("nan")

    def describe(self) -> str:
        t = int(self.treatment.sum())
        return (f"{how_many(len(self), 'customer', 'customers')} on {self.start:%Y-%m-%d} ({t:,} sent the coupon, "
                f"{len(self) - t:,} held out); bought within {self.window_days} days: "
                f"{self.rate(1):.1%} with the coupon, {self.rate(0):.1%} without")

    def subset(self, mask) -> "CampaignData":
        mask = np.asarray(mask)
        return CampaignData(self.features[mask], self.steps[mask], self.treatment[mask],
                            self.outcome[mask], self.start, self.window_days, self.dropped)

    @staticmethod
    def concat(parts: list["CampaignData"]) -> "CampaignData":
        """Several campaigns as one training set (each keeps the features from its own start)."""
        if len(parts) == 1:
            return parts[0]
        weeks = {p.steps.shape[1] for p in parts}
        if len(weeks) > 1:
            raise ValueError("campaigns with different numbers of weeks cannot be joined")
        return CampaignData(pd.concat([p.features for p in parts]), np.concatenate([p.steps for p in parts]),
                            np.concatenate([p.treatment for p in parts]),
                            np.concatenate([p.outcome for p in parts]), parts[-1].start,
                            parts[-1].window_days, sum(p.dropped for p in parts))

    def with_sequence(self) -> pd.DataFrame:
        """The features plus the weekly steps flattened (``log_orders_w-1`` is the last week)."""
        n, weeks, k = self.steps.shape
        names = [f"{s}_w-{weeks - j}" for j in range(weeks) for s in STEP_NAMES[:k]]
        flat = pd.DataFrame(self.steps.reshape(n, weeks * k), index=self.features.index, columns=names)
        return pd.concat([self.features, flat], axis=1)

    def examples(self, label=None, sequence: bool = False) -> Examples:
        """The customers as :class:`Examples` for a yes/no model (label: the outcome by default)."""
        label = self.outcome if label is None else np.asarray(label)
        features = self.with_sequence() if sequence else self.features
        return Examples(features=features, steps=self.steps, items=None, label=label,
                        time=np.full(len(self), np.datetime64(self.start)), step_names=STEP_NAMES,
                        what="customers")


def has_treatment(events: pd.DataFrame) -> tuple[bool, str]:
    """Whether a log holds a campaign an uplift model can learn from, and why not."""
    if "treatment" not in events:
        return False, ("the log has no treatment column (map the column that says who was sent the "
                       "coupon or shown the ad, 1 or 0, on each customer's assignment row)")
    raw = events["treatment"]
    values = pd.to_numeric(raw, errors="coerce")
    given = raw.notna()
    if not given.any():
        return False, "the treatment column is empty: no customer was assigned to a campaign"
    bad = given & ~values.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        return False, (f"the treatment column must hold 1 (treated) or 0 (control) only; row {row} holds "
                       f"'{raw[bad].iloc[0]}'")
    if values[given].nunique() < 2:
        return False, ("every assigned customer is in the same group: without a held-out control "
                       "group (or without treated customers) no effect can be measured")
    if not (events["event_type"] == "purchase").any():
        return False, "the log has no purchase events, so there is no outcome to measure"
    return True, ""


def campaign_assignments(events: pd.DataFrame, gap_days: float = 2.0) -> list[pd.DataFrame]:
    """The campaigns in a log, oldest first: each a table of user_id, assigned_at, treated.

    Assignment rows more than ``gap_days`` apart start a new campaign. A
    customer assigned twice in one campaign keeps the first assignment if
    both agree; if they disagree, that is an error naming the row.
    """
    values = pd.to_numeric(events["treatment"], errors="coerce")
    rows = events.loc[values.notna(), ["user_id", "timestamp"]].assign(treated=values[values.notna()])
    rows = rows.sort_values("timestamp", kind="stable")
    gap = rows["timestamp"].diff() > pd.Timedelta(days=gap_days)
    campaign = gap.cumsum().to_numpy()
    out = []
    for k in np.unique(campaign):
        part = rows[campaign == k]
        per_user = part.groupby("user_id", sort=False)["treated"]
        mixed = per_user.nunique() > 1
        if mixed.any():
            user = mixed.index[mixed.to_numpy()][0]
            row = int(part.index[(part["user_id"] == user).to_numpy()][1]) + 1
            raise ValueError(f"column 'treatment', row {row}: customer {user} is both treated and "
                             "control in the same campaign")
        first = part.drop_duplicates("user_id").rename(columns={"timestamp": "assigned_at"})
        out.append(first[["user_id", "assigned_at", "treated"]].astype({"treated": int})
                   .reset_index(drop=True))
    return out


def _visits(events: pd.DataFrame, start: pd.Timestamp, customers: pd.Index, weeks: int):
    """Visit features and weekly visit counts before ``start`` (campaign rows excluded)."""
    e = events[events["timestamp"] < start]
    if "treatment" in e:
        e = e[pd.to_numeric(e["treatment"], errors="coerce").isna()]
    visits = e.groupby(["user_id", "session_id"], sort=False)["timestamp"].min().reset_index()
    visits = visits[visits["user_id"].isin(customers)]
    days = (start - visits["timestamp"]).dt.total_seconds() / 86_400
    last = days.groupby(visits["user_id"]).min().reindex(customers)
    recent = (days < 28).groupby(visits["user_id"]).sum().reindex(customers, fill_value=0)
    features = pd.DataFrame({"days_since_visit": last.fillna(365.0).to_numpy(),
                             "log_visits_28d": np.log1p(recent.to_numpy(dtype=float))},
                            index=customers)
    week = (days // 7).astype(int).to_numpy()
    keep = week < weeks
    counts = np.zeros((len(customers), weeks))
    np.add.at(counts, (customers.get_indexer(visits["user_id"].to_numpy()[keep]),
                       weeks - 1 - week[keep]), 1.0)
    return features, np.log1p(counts)


def campaign_data(events: pd.DataFrame, assignment: pd.DataFrame, window_days: int = 14,
                  weeks: int = 8) -> CampaignData:
    """One row per assigned customer who bought before the campaign (see the module text)."""
    start = pd.Timestamp(assignment["assigned_at"].min())
    base = churn_examples(events, start, horizon_days=window_days, weeks=weeks)
    assigned = assignment.set_index("user_id")
    customers = base.features.index.intersection(assigned.index, sort=False)
    if len(customers) == 0:
        raise ValueError(f"none of the {len(assigned):,} customers of the campaign on {start:%Y-%m-%d} "
                         "bought anything before it, so there is nothing to learn their response from")
    position = base.features.index.get_indexer(customers)
    visit_features, visit_steps = _visits(events, start, customers, weeks)
    features = pd.concat([base.features.iloc[position], visit_features], axis=1).astype("float32")
    steps = np.concatenate([base.steps[position], visit_steps[:, :, None]], axis=2).astype("float32")

    purchases = events.loc[events["event_type"] == "purchase", ["user_id", "timestamp"]]
    purchases = purchases[purchases["user_id"].isin(customers)]
    when = assigned.loc[purchases["user_id"].to_numpy(), "assigned_at"].to_numpy()
    inside = (purchases["timestamp"].to_numpy() >= when) & \
             (purchases["timestamp"].to_numpy() < when + np.timedelta64(window_days, "D"))
    bought = customers.isin(purchases["user_id"].to_numpy()[inside])
    return CampaignData(features=features, steps=steps,
                        treatment=assigned.loc[customers, "treated"].to_numpy().astype(int),
                        outcome=bought.astype(int), start=start, window_days=window_days,
                        dropped=int(len(assigned) - len(customers)))
