"""Ranking and forecast metrics against brute-force and hand-computed references."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_lib.evaluate import (forecast_errors, hit_rate_at_k, mae, mase, mrr_at_k, ndcg_at_k,
                                 ranking_metrics, ranks_in_batches, rmse, target_ranks)


def brute_rank(row, target):
    """1 + the number of *other* items scoring at least as high as the target."""
    return 1 + sum(1 for j, s in enumerate(row) if j != target and s >= row[target])


@settings(max_examples=200, deadline=None)
@given(scores=arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 12)),
                     elements=st.sampled_from([0.0, 0.5, 1.0, 2.0, -1.0, 3.25])),
       data=st.data())
def test_ranks_match_brute_force_with_ties_against_the_target(scores, data):
    targets = np.array(data.draw(st.lists(st.integers(0, scores.shape[1] - 1),
                                          min_size=scores.shape[0], max_size=scores.shape[0])))
    ranks = target_ranks(scores, targets)
    assert ranks.tolist() == [brute_rank(r, t) for r, t in zip(scores, targets)]
    k = data.draw(st.integers(1, 12))
    brute = [brute_rank(r, t) for r, t in zip(scores, targets)]
    assert hit_rate_at_k(ranks, k) == pytest.approx(np.mean([b <= k for b in brute]))
    assert mrr_at_k(ranks, k) == pytest.approx(np.mean([1 / b if b <= k else 0 for b in brute]))
    assert ndcg_at_k(ranks, k) == pytest.approx(np.mean([1 / np.log2(b + 1) if b <= k else 0 for b in brute]))


def test_constant_scores_rank_the_target_last():
    ranks = target_ranks(np.zeros((2, 50)), np.array([0, 49]))
    assert ranks.tolist() == [50, 50]
    assert hit_rate_at_k(ranks, 20) == 0.0


def test_hand_computed_ranking_metrics():
    ranks = np.array([1, 2, 5, 30])
    m = ranking_metrics(ranks, ks=(3,))
    assert m["HR@3"] == pytest.approx(0.5)
    assert m["MRR@3"] == pytest.approx((1 + 0.5) / 4)
    assert m["NDCG@3"] == pytest.approx((1 + 1 / np.log2(3)) / 4)


def test_batched_ranks_equal_one_shot():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(101, 30))
    targets = rng.integers(0, 30, 101)
    got = ranks_in_batches(lambda idx: scores[idx], np.arange(101), targets, batch_size=16)
    assert got.tolist() == target_ranks(scores, targets).tolist()


def test_forecast_errors_by_hand():
    train = [10, 12, 14, 11, 13, 15]   # seasonal naive (m=3) errors: 1, 1, 1 -> scale 1
    actual, forecast = [12, 16], [10, 17]
    assert mae(actual, forecast) == pytest.approx(1.5)
    assert rmse(actual, forecast) == pytest.approx(np.sqrt((4 + 1) / 2))
    assert mase(actual, forecast, train, m=3) == pytest.approx(1.5)
    assert mase(actual, forecast, train, m=1) == pytest.approx(1.5 / np.mean([2, 2, 3, 2, 2]))
    assert set(forecast_errors(actual, forecast, train, m=7 - 4)) == {"MAE", "RMSE", "MASE(m=3)"}


def test_mase_refuses_too_short_or_flat_training_data():
    with pytest.raises(ValueError, match="more than m=7"):
        mase([1], [1], [1, 2, 3], m=7)
    with pytest.raises(ValueError, match="undefined"):
        mase([1], [1], [5, 5, 5, 5], m=1)
