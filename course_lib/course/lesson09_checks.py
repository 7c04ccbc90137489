"""Checkers for the exercises of lesson 09 (solutions/09_case_study.ipynb)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from course_lib.course.exercise import CORRECT, NOT_ATTEMPTED, WRONG, close, is_missing, report


def order_quantity(answer, demand_draws, underage_cost: float, overage_cost: float) -> None:
    """09.1: the newsvendor order from draws of the demand distribution."""
    if is_missing(answer):
        return report("09.1", NOT_ATTEMPTED)
    draws = np.asarray(demand_draws, float)
    ratio = underage_cost / (underage_cost + overage_cost)
    expected = float(np.quantile(draws, ratio))
    if abs(float(answer) - expected) <= 1.0:
        cost = lambda q: float(np.mean(underage_cost * np.maximum(draws - q, 0)  # noqa: E731
                                       + overage_cost * np.maximum(q - draws, 0)))
        return report("09.1", CORRECT, f"expected cost {cost(expected):.2f} per day against "
                                       f"{cost(draws.mean()):.2f} when ordering the mean.")
    if abs(float(answer) - draws.mean()) <= 1.0:
        return report("09.1", WRONG, "hint: the mean is the best order only when both costs are equal; "
                                     "take the cu / (cu + co) quantile.")
    if abs(float(answer) - np.quantile(draws, 1 - ratio)) <= 1.0:
        return report("09.1", WRONG, "hint: that is the co / (cu + co) quantile; shortage is the "
                                     "costlier side, so order more, not less.")
    return report("09.1", WRONG, "hint: np.quantile(demand_draws, cu / (cu + co)).")


def churned_customers(answer, purchases: pd.DataFrame, cutoff, horizon_days: int) -> None:
    """09.2: the customers (with a purchase before ``cutoff``) who buy nothing in the window."""
    if is_missing(answer):
        return report("09.2", NOT_ATTEMPTED)
    cutoff = pd.Timestamp(cutoff)
    end = cutoff + pd.Timedelta(days=horizon_days)
    t, user = purchases["timestamp"], purchases["user_id"]
    before = set(user[t < cutoff])
    inside = set(user[(t >= cutoff) & (t < end)])
    expected = before - inside
    got = set(answer)
    if got == expected:
        return report("09.2", CORRECT, f"{len(expected)} of {len(before)} customers churned.")
    if got == before - set(user[t >= cutoff]):
        return report("09.2", WRONG, "hint: only purchases inside the label window count; a purchase "
                                     "after it is the future the label must not see.")
    if got == set(user) - inside:
        return report("09.2", WRONG, "hint: only customers who bought before the cut-off can churn.")
    return report("09.2", WRONG, "hint: customers seen before the cut-off, minus those who buy in "
                                 "[cut-off, cut-off + horizon).")


def top_decile_lift(answer, labels, scores) -> None:
    """09.3: precision among the top 10 % of scores, divided by the base rate."""
    if is_missing(answer):
        return report("09.3", NOT_ATTEMPTED)
    labels, scores = np.asarray(labels), np.asarray(scores, float)
    n = max(1, int(round(0.1 * len(labels))))
    precision = labels[np.argsort(-scores, kind="stable")[:n]].mean()
    expected = precision / labels.mean()
    if close(answer, expected, rel=1e-3):
        return report("09.3", CORRECT, f"the top 10 % holds {expected:.1f}x the base rate of positives.")
    if close(answer, precision, rel=1e-3):
        return report("09.3", WRONG, "hint: that is the precision; divide it by the base rate.")
    return report("09.3", WRONG, "hint: sort by score (highest first), take the first 10 %, "
                                 "average their labels, divide by labels.mean().")
