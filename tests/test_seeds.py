"""Training a next-item model over several seeds (course_lib.evaluate.seeds)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from course_lib.evaluate.seeds import over_seeds
from course_lib.evaluate.uncertainty import prediction_sessions, ranking_intervals, rank_values
from course_lib.models.baselines import MarkovChain
from noisy_markov import NoisyMarkov


@pytest.fixture(scope="module")
def split():
    from course_lib.datasets import make_shop
    from course_lib.prep.next_item import next_item_split

    return next_item_split(make_shop(40_000, seed=2).events, test_days=14)


def test_seed_summary_reports_mean_spread_and_interval(split):
    X, y = split.test_prefixes(20)
    runs = over_seeds(lambda s: NoisyMarkov(seed=s), split, X, y, seeds=(0, 1, 2))
    per_seed = runs.per_seed()
    assert list(per_seed["seed"]) == [0, 1, 2] and per_seed["MRR@20"].nunique() == 3   # seeds matter
    units = prediction_sessions(split.test)
    row = runs.summary(units).iloc[0]
    assert row["model"] == "noisy-markov" and row["seeds"] == 3
    assert row["MRR@20"] == pytest.approx(per_seed["MRR@20"].mean())
    assert row["MRR@20_seed_sd"] == pytest.approx(per_seed["MRR@20"].std(ddof=1))
    assert row["MRR@20_seed_min"] <= row["MRR@20"] <= row["MRR@20_seed_max"]
    assert row["MRR@20_lower"] <= row["MRR@20"] <= row["MRR@20_upper"]
    # the seed-averaged model joins a paired leaderboard like any other
    markov = MarkovChain().fit(split.train, split.n_items)
    from course_lib.evaluate.ranking import ranks_in_batches

    table = ranking_intervals({"markov": ranks_in_batches(markov.score, X, y), runs.name: runs.ranks},
                              units, baseline="markov")
    assert table.loc[runs.name, "MRR@20"] == pytest.approx(row["MRR@20"])
    assert rank_values(runs.ranks)["MRR@20"].mean() == pytest.approx(row["MRR@20"])


def test_same_seed_same_numbers_and_bad_seeds_refused(split):
    X, y = split.test_prefixes(20)
    a = over_seeds(lambda s: NoisyMarkov(seed=s), split, X, y, seeds=(4,))
    b = over_seeds(lambda s: NoisyMarkov(seed=s), split, X, y, seeds=(4,))
    assert np.array_equal(a.ranks, b.ranks)
    assert np.isnan(a.summary(prediction_sessions(split.test))["MRR@20_seed_sd"].iloc[0])
    with pytest.raises(ValueError, match="distinct seeds"):
        over_seeds(lambda s: NoisyMarkov(seed=s), split, X, y, seeds=(1, 1))
    assert isinstance(a.per_seed(), pd.DataFrame)


def test_seed_spread_joins_a_leaderboard(split):
    from course_lib.evaluate.seeds import with_seed_spread

    X, y = split.test_prefixes(20)
    runs = over_seeds(lambda s: NoisyMarkov(seed=s), split, X, y, seeds=(0, 1))
    summary = runs.summary(prediction_sessions(split.test), n_resamples=200)
    board = pd.DataFrame({"model": ["markov", "noisy-markov"], "MRR@20": [0.3, summary["MRR@20"].iloc[0]]})
    out = with_seed_spread(board, [summary])
    assert list(out["seeds"]) == [1, 2] and np.isnan(out["MRR@20_seed_sd"].iloc[0])
    assert out["MRR@20_seed_sd"].iloc[1] == pytest.approx(summary["MRR@20_seed_sd"].iloc[0])


def test_each_seed_is_fitted_with_the_fit_the_leaderboard_is_given(split):
    """ranked_leaderboard's per-seed branch: a clone per seed, each fitted with ``fit`` (lesson 09
    passes RecordedChoices.fitted, which restores a recorded network instead of training it)."""
    from course_lib.evaluate.next_item import ranked_leaderboard

    X, y = split.test_prefixes(20)
    fitted = []

    def fit(model, sessions, n_items, progress=False):
        assert sessions is split.train and n_items == split.n_items
        fitted.append((model.name, getattr(model, "seed", None)))
        return model.fit(sessions, n_items)

    def board(**fit_given):
        return ranked_leaderboard([MarkovChain(), NoisyMarkov(seed=7)], split, X, y,
                                  seeds={"noisy-markov": (0, 1)}, n_resamples=200, **fit_given)

    given = board(fit=fit)
    assert fitted == [("markov", None), ("noisy-markov", 0), ("noisy-markov", 1)]
    assert list(given.seed_runs) == ["noisy-markov"] and given.seed_runs["noisy-markov"].seeds == [0, 1]
    timing = [c for c in given.board if c.endswith("_s")]
    pd.testing.assert_frame_equal(given.board.drop(columns=timing), board().board.drop(columns=timing))
