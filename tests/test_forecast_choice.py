"""Forecast choices on validation origins, reports on test origins (course_lib.evaluate.forecast_choice).

The four benchmarks fit instantly, so these tests run rolling origin for
real on short synthetic series.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from course_lib.evaluate.forecast_choice import choose_forecaster, skill_intervals, split_origins
from course_lib.evaluate.rolling import leaderboard, rolling_origin
from course_lib.models.forecasters import benchmarks

M, H, INITIAL = 7, 7, 35


def weekly_series(n: int = 140, seed: int = 0) -> pd.Series:
    idx = pd.date_range("2024-01-01", periods=n)
    rng = np.random.default_rng(seed)
    return pd.Series(100 + 25 * (idx.day_of_week >= 5) + rng.normal(0, 4, n), index=idx)


def run(y: pd.Series, step: int = H):
    return rolling_origin(y, benchmarks(M), horizon=H, initial=INITIAL, m=M, step=step, progress=False)


def test_changing_only_the_test_block_cannot_change_the_choice():
    y = weekly_series()
    before = choose_forecaster(run(y))
    first_test_day = before.test_origins[0]
    # the test block becomes a random walk: now the naive forecast is by far the best there
    changed = y.copy()
    after_cut = changed.index >= first_test_day
    walk = 100 + np.cumsum(np.random.default_rng(1).normal(0, 30, after_cut.sum()))
    changed[after_cut] = walk
    after = choose_forecaster(run(changed))
    assert after.chosen == before.chosen == f"seasonal naive (m={M})"
    pd.testing.assert_frame_equal(after.validation, before.validation.assign(fit_seconds=after.validation["fit_seconds"]))
    assert not after.test["MASE(m=7)"].equals(before.test["MASE(m=7)"])
    # the test has teeth: a choice made on the test origins would change
    assert leaderboard(before.test_result)["model"].iloc[0] == f"seasonal naive (m={M})"
    assert leaderboard(after.test_result)["model"].iloc[0] == "naive"


def test_blocks_never_share_a_day():
    result = run(weekly_series(), step=3)          # windows of 7 days every 3 days overlap
    valid, test = split_origins(result, test_share=0.4)
    last_valid_day = valid.forecasts["date"].max()
    assert last_valid_day < test.forecasts["date"].min() == min(test.scores["origin"])
    all_origins = result.scores["origin"].nunique()
    assert valid.scores["origin"].nunique() + test.scores["origin"].nunique() < all_origins
    with pytest.raises(ValueError, match="cannot be split"):
        split_origins(result, n_test=all_origins - 1)


def test_test_table_has_the_skill_with_its_interval():
    choice = choose_forecaster(run(weekly_series(200)))
    board = choice.test.set_index("model")
    assert board["chosen"].sum() == 1 and board.loc[choice.chosen, "chosen"]
    assert list(board.index) == list(choice.validation["model"])    # validation order, not test order
    for column in ("MASE(m=7)", "skill"):
        assert (board[f"{column}_lower"] <= board[column]).all() and (board[column] <= board[f"{column}_upper"]).all()
    snaive = board.loc["seasonal naive (m=7)"]
    assert snaive["skill"] == 0 and not snaive["skill_excludes_0"]
    # a weekly series: the mean forecast is clearly worse than seasonal naive
    assert board.loc["mean", "skill_upper"] < 0 and board.loc["mean", "skill_excludes_0"]
    text = choice.describe()
    assert text.startswith(f"chosen on {len(choice.validation_origins)} validation origins")
    assert "test origins" in text and "seasonal naive (m=7)" in text
    assert "against seasonal naive (m=7) (worse: lower is better), 95 % CI" in choice.versus("mean", "seasonal naive (m=7)")
    assert "(better: lower is better), 95 % CI" in choice.versus("seasonal naive (m=7)", "mean")


def test_skill_intervals_match_the_leaderboard():
    result = run(weekly_series(200))
    ivs = skill_intervals(result)
    board = leaderboard(result).set_index("model")
    assert ivs["skill"].to_numpy() == pytest.approx(board.loc[ivs.index, "skill"].to_numpy())
    assert ivs.attrs["n_origins"] == result.scores["origin"].nunique()


def test_a_benchmark_without_error_leaves_skill_undefined_not_a_crash(recwarn):
    """Sales that stop (zeros on every test day): seasonal naive made no error there, skill is 0/0,
    and choose_forecaster raised "the bootstrap's point values differ" after two RuntimeWarnings
    (course-lib forecast and the report's demand task died with it)."""
    y = weekly_series(84)
    y[y.index >= y.index[56]] = 0.0            # the shop sells nothing from day 56 on
    choice = choose_forecaster(run(y), n_test=2)
    board = choice.test.set_index("model")
    assert board[["skill", "skill_lower", "skill_upper"]].isna().all().all()
    assert not board["skill_excludes_0"].any()
    assert "no skill against seasonal naive (m=7) can be measured here" in choice.describe()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    assert leaderboard(choice.test_result)["skill"].isna().all()   # not -inf
