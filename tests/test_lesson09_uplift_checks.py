"""The uplift exercises' checkers (lesson 09, 09.4 and 09.5): each verdict and each hint."""
from __future__ import annotations

import numpy as np
import pytest

from course_lib.course import lesson09_uplift_checks as check


def verdict(capsys, fn, *args, **kwargs):
    fn(*args, **kwargs)
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0, out
    return out


@pytest.fixture()
def scores():
    rng = np.random.default_rng(4)
    n = 500
    uplift = np.where(rng.random(n) < 0.4, rng.uniform(0.05, 0.4, n), 0.0)
    churn_risk = rng.normal(size=n) - 3 * uplift   # the movable are rarely the most at risk
    return churn_risk, uplift


def test_overlap_share(capsys, scores):
    churn_risk, uplift = scores
    n = 100
    risky = set(np.argsort(-churn_risk, kind="stable")[:n])
    movable = set(np.argsort(-uplift, kind="stable")[:n])
    right = len(risky & movable) / n
    assert "not attempted" in verdict(capsys, check.overlap_share, None, churn_risk, uplift)
    assert ": correct" in verdict(capsys, check.overlap_share, right, churn_risk, uplift)
    assert ": correct" in verdict(capsys, check.overlap_share, right + 0.01, churn_risk, uplift)  # one tie away
    assert "that is a count" in verdict(capsys, check.overlap_share, len(risky & movable), churn_risk, uplift)
    least = set(np.argsort(churn_risk, kind="stable")[:n])
    assert "*lowest* churn risk" in verdict(capsys, check.overlap_share, len(least & movable) / n,
                                            churn_risk, uplift)
    assert ": wrong, hint: take the 20 %" in verdict(capsys, check.overlap_share, 0.2 + right + 0.1,
                                                     churn_risk, uplift)
    assert "one number" in verdict(capsys, check.overlap_share, "a lot", churn_risk, uplift)


def test_extra_buyers(capsys):
    rng = np.random.default_rng(5)
    n = 2_000
    score = rng.random(n)
    t = (rng.random(n) < 0.5).astype(int)
    y = (rng.random(n) < 0.1 + 0.3 * t * score).astype(int)
    top = np.argsort(-score, kind="stable")[:600]
    rate_t, rate_c = y[top][t[top] == 1].mean(), y[top][t[top] == 0].mean()
    right = (rate_t - rate_c) * 600
    assert "not attempted" in verdict(capsys, check.extra_buyers, None, y, t, score)
    assert ": correct" in verdict(capsys, check.extra_buyers, right, y, t, score)
    assert "buy anyway" in verdict(capsys, check.extra_buyers, rate_t * 600, y, t, score)
    assert "multiply by the group's size" in verdict(capsys, check.extra_buyers, rate_t - rate_c, y, t, score)
    whole = (y[t == 1].mean() - y[t == 0].mean()) * 600
    assert "*inside* the top 30 %" in verdict(capsys, check.extra_buyers, whole, y, t, score)
    assert ": wrong, hint: inside" in verdict(capsys, check.extra_buyers, right + 40, y, t, score)
