"""The synthetic shop: deterministic, sized as asked, and its ground truth shows in the data."""
from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pandas as pd
import pytest

from course_lib.datasets import make_shop
from course_lib.datasets.schema import check_canonical
from course_lib.prep import daily_series


@pytest.fixture(scope="module")
def shop():
    return make_shop(60_000, seed=3)


def test_same_seed_same_shop_other_seed_other_shop():
    a, b, c = make_shop(5_000, seed=1), make_shop(5_000, seed=1), make_shop(5_000, seed=2)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    assert not a.events["item_id"].equals(c.events["item_id"])


@pytest.mark.parametrize("n", [3_000, 20_000, 200_000])
def test_size_is_close_to_the_request(n):
    events = make_shop(n).events
    check_canonical(events)
    assert 0.8 * n <= len(events) <= 1.2 * n


def test_funnel_order_and_cart_items_were_viewed(shop):
    e = shop.events
    counts = e["event_type"].value_counts()
    assert counts["view"] > counts["cart"] > counts["purchase"] > 0
    for kind in ("cart", "purchase"):
        sub = e[e["event_type"] == kind]
        viewed = set(zip(e.loc[e["event_type"] == "view", "session_id"], e.loc[e["event_type"] == "view", "item_id"]))
        assert all(pair in viewed for pair in zip(sub["session_id"], sub["item_id"]))


def test_weekly_profile_and_promotions_show_in_daily_sessions(shop):
    firsts = shop.events.groupby("session_id")["timestamp"].min().to_frame()
    firsts["event_type"] = "view"
    firsts["item_id"] = 0
    sessions = daily_series(firsts, event_type=None)
    factor = shop.truth["day_factor"].reindex(sessions.index).dropna()
    sessions = sessions.loc[factor.index]
    assert np.corrcoef(sessions.to_numpy(), factor.to_numpy())[0, 1] > 0.5
    promo = sessions.index.isin(pd.to_datetime(shop.truth["promotion_dates"]))
    assert sessions[promo].mean() > 1.2 * sessions[~promo].mean()


def test_no_user_acts_after_churning(shop):
    last = shop.events.groupby("user_id")["timestamp"].max()
    churn = shop.users.set_index("user_id")["churn_date"].reindex(last.index)
    assert (last < churn + pd.Timedelta(days=1)).all()


def test_sessions_are_category_coherent_and_follow_trails(shop):
    views = shop.events[shop.events["event_type"] == "view"]
    same_cat = views.groupby("session_id")["category"].agg(lambda c: c.value_counts(normalize=True).iloc[0])
    assert same_cat.mean() > 0.7


def test_second_order_context_predicts_better_than_first_order(shop):
    """The structure a sequence model can learn beyond a first-order Markov chain."""
    views = shop.events[shop.events["event_type"] == "view"]
    seqs = views.groupby("session_id")["item_id"].agg(list)
    first, second = defaultdict(Counter), defaultdict(Counter)
    triples = []
    for s in seqs:
        for a, b, c in zip(s, s[1:], s[2:]):
            triples.append((a, b, c))
    half = len(triples) // 2
    for a, b, c in triples[:half]:
        first[b][c] += 1
        second[(a, b)][c] += 1
    hit1 = hit2 = 0
    for a, b, c in triples[half:]:
        p1 = first[b].most_common(1)
        p2 = second[(a, b)].most_common(1) or p1
        hit1 += bool(p1) and p1[0][0] == c
        hit2 += bool(p2) and p2[0][0] == c
    assert hit2 > 1.15 * hit1, (hit1, hit2)


def test_ground_truth_is_exposed(shop):
    truth = shop.truth
    assert set(truth["weekly_profile"]) == {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
    assert len(truth["promotion_dates"]) == shop.config.n_promotions * shop.config.promotion_days
    assert truth["trails"].shape[1] == shop.config.trail_length
    assert set(np.unique(truth["trails"])) <= set(shop.items["item_id"])
