"""Checkers for the uplift exercises of lesson 09 (solutions/09_case_study.ipynb, 09.4 and 09.5)."""
from __future__ import annotations

import numpy as np

from course_lib.course.exercise import CORRECT, NOT_ATTEMPTED, WRONG, close, is_missing, report


def _top(score, share: float) -> set:
    """Positions of the ``share`` highest scores (ties broken by position, as a stable sort does)."""
    score = np.asarray(score, float)
    n = int(round(share * len(score)))
    return set(np.argsort(-score, kind="stable")[:n].tolist())


def overlap_share(answer, churn_risk, true_uplift, share: float = 0.2) -> None:
    """09.4: the share of the top ``share`` by churn risk who are also in the top ``share`` by uplift."""
    if is_missing(answer):
        return report("09.4", NOT_ATTEMPTED)
    risky, movable = _top(churn_risk, share), _top(true_uplift, share)
    expected = len(risky & movable) / len(risky)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return report("09.4", WRONG, "hint: give one number, a share between 0 and 1.")
    # ties in the scores may be broken another way: allow one customer either side
    if abs(value - expected) <= 1.5 / len(risky):
        return report("09.4", CORRECT, f"only {expected:.0%} of the customers most at risk are among those "
                                       f"the coupon moves most (picking at random would give {share:.0%}).")
    if abs(value - len(risky & movable)) < 0.5:
        return report("09.4", WRONG, "hint: that is a count; divide it by the size of the churn-risk group.")
    least = _top(-np.asarray(churn_risk, float), share)
    if abs(value - len(least & movable) / len(least)) <= 1.5 / len(least):
        return report("09.4", WRONG, "hint: that group has the *lowest* churn risk; sort from the most "
                                     "days since the last order down.")
    return report("09.4", WRONG, "hint: take the 20 % with the largest churn risk and the 20 % with the largest "
                                 "true uplift, intersect the two sets of customers, divide by the first set's size.")


def extra_buyers(answer, outcome, treatment, score, share: float = 0.3) -> None:
    """09.5: extra purchases the coupon caused among the top ``share`` of a ranking."""
    if is_missing(answer):
        return report("09.5", NOT_ATTEMPTED)
    y, t = np.asarray(outcome, float), np.asarray(treatment, int)
    top = np.zeros(len(y), dtype=bool)
    top[list(_top(score, share))] = True

    def effect(mask):
        return y[mask & (t == 1)].mean() - y[mask & (t == 0)].mean()

    expected = effect(top) * top.sum()
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return report("09.5", WRONG, "hint: give one number of purchases.")
    if close(value, expected, rel=1e-3, abs_=0.5):
        everyone = effect(np.ones(len(y), dtype=bool)) * share * len(y)
        return report("09.5", CORRECT, f"about {expected:.0f} extra buyers among {top.sum():,} customers; as "
                                       f"many customers picked at random would give about {everyone:.0f}.")
    if close(value, y[top & (t == 1)].mean() * top.sum(), rel=1e-3, abs_=0.5):
        return report("09.5", WRONG, "hint: that counts everyone who would buy with the coupon, including "
                                     "those who buy anyway; subtract the held-out group's rate first.")
    if close(value, effect(top), rel=1e-3):
        return report("09.5", WRONG, "hint: that is the uplift per customer; multiply by the group's size.")
    if close(value, effect(np.ones(len(y), dtype=bool)) * top.sum(), rel=1e-3, abs_=0.5):
        return report("09.5", WRONG, "hint: compare treated and held-out customers *inside* the top 30 %, "
                                     "not in the whole campaign.")
    return report("09.5", WRONG, "hint: inside the top 30 %: (buy rate of those sent the coupon - buy rate of "
                                 "those held out) x the number of customers in the top 30 %.")
