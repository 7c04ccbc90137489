"""AR/MA/ARMA simulation and estimation, forecast benchmarks, rolling origin, leaderboard.

Tolerances for coefficient recovery: with n = 3,000 the asymptotic standard
error of each coefficient is about 0.015-0.03, so 0.08 is roughly four
standard errors: a correct estimator fails this less than once in ten
thousand runs (and the seeds are fixed), while the usual bugs (a sign
convention flipped, the mean taken for the constant, a lag shifted) miss by
far more.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from course_lib.evaluate.rolling import leaderboard, origins, rolling_origin
from course_lib.models.arma import (ar_roots, is_invertible, is_stationary, simulate_arma,
                                    theoretical_acf)
from course_lib.models.forecasters import (ARMAForecast, DriftForecast, MeanForecast,
                                           NaiveForecast, SeasonalNaiveForecast, benchmarks,
                                           select_order, weekday_indicators)

TOL = 0.08


def test_simulator_is_the_equation():
    x, eps = simulate_arma(ar=[0.5, -0.2], ma=[0.4], c=1.0, n=300, seed=1, burn=0, return_noise=True)
    for t in range(2, 300):
        assert x[t] == pytest.approx(1.0 + 0.5 * x[t - 1] - 0.2 * x[t - 2] + eps[t] + 0.4 * eps[t - 1])
    assert np.array_equal(simulate_arma(ar=[0.5], n=50, seed=3), simulate_arma(ar=[0.5], n=50, seed=3))


def test_explosive_process_stops_with_nan():
    x = simulate_arma(ar=[1.5], n=500, seed=0)
    assert np.isnan(x[-1])


@pytest.mark.parametrize("ar, expected", [([0.5], True), ([1.0], False), ([-1.01], False),
                                          ([0.5, 0.3], True), ([0.5, 0.5], False),
                                          ([1.2, -0.5], True), ([0.2, 0.9], False)])
def test_stationarity(ar, expected):
    assert is_stationary(ar) is expected
    assert bool(np.abs(ar_roots(ar)).min() > 1) is expected


def test_invertibility_and_the_mirror_image():
    assert is_invertible([0.5]) and not is_invertible([2.0])
    assert theoretical_acf(ma=[2.0], lags=1)[1] == pytest.approx(theoretical_acf(ma=[0.5], lags=1)[1])
    assert theoretical_acf(ma=[0.6], lags=3)[1:] == pytest.approx([0.6 / 1.36, 0, 0])


@pytest.mark.parametrize("order, ar, ma", [((2, 0, 0), [0.6, 0.25], []),
                                           ((0, 0, 2), [], [0.6, 0.4]),
                                           ((1, 0, 1), [0.5], [0.3])])
def test_statsmodels_recovers_simulated_coefficients(order, ar, ma):
    x = simulate_arma(ar=ar, ma=ma, c=2.0, n=3000, seed=42)
    fitted = ARMAForecast(order).fit(x)
    params = fitted.result.params
    p, _, q = order
    assert np.abs(params[1:1 + p] - ar).max(initial=0) < TOL
    assert np.abs(params[1 + p:1 + p + q] - ma).max(initial=0) < TOL
    mean = 2.0 / (1 - sum(ar))
    assert abs(params[0] - mean) < 0.15 * max(1, abs(mean))  # statsmodels' const is the mean
    assert abs(params[-1] - 1.0) < 0.1                       # the noise variance
    assert fitted.converged


def test_non_invertible_simulation_estimates_the_invertible_twin():
    x = simulate_arma(ma=[2.0], n=3000, seed=5)
    theta = ARMAForecast((0, 0, 1)).fit(x).result.params[1]
    assert abs(theta - 0.5) < TOL


def test_order_selection_finds_the_simulated_order():
    x = simulate_arma(ar=[0.6, 0.3], n=1500, seed=8)
    grid = select_order(x, max_p=3, max_q=2)
    assert (grid.sort_values("BIC").iloc[0][["p", "q"]].tolist()) == [2, 0]


# --------------------------------------------------------------------------- #
# benchmarks, by hand

Y = np.array([3.0, 5.0, 4.0, 6.0, 8.0, 7.0, 9.0])


def test_benchmark_point_forecasts_by_hand():
    assert MeanForecast().fit(Y).predict(2)["mean"].tolist() == pytest.approx([6.0, 6.0])
    assert NaiveForecast().fit(Y).predict(2)["mean"].tolist() == [9.0, 9.0]
    # m = 3: the last season is the last three values, 8, 7, 9, repeated
    assert SeasonalNaiveForecast(3).fit(Y).predict(5)["mean"].tolist() == [8.0, 7.0, 9.0, 8.0, 7.0]
    assert DriftForecast().fit(Y).predict(2)["mean"].tolist() == pytest.approx([10.0, 11.0])


def test_benchmark_intervals_by_hand():
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.975)
    sigma = np.sqrt(np.mean(np.diff(Y) ** 2))
    naive = NaiveForecast().fit(Y).predict(4)
    assert (naive["upper"] - naive["mean"]).tolist() == pytest.approx(z * sigma * np.sqrt([1, 2, 3, 4]))
    snaive = SeasonalNaiveForecast(3).fit(Y).predict(4)
    s = np.sqrt(np.mean((Y[3:] - Y[:-3]) ** 2))
    assert (snaive["upper"] - snaive["mean"]).tolist() == pytest.approx(z * s * np.sqrt([1, 1, 1, 2]))


def test_log_model_forecasts_stay_positive():
    y = np.exp(simulate_arma(ar=[0.7], n=200, seed=2) * 0.3 + 3)
    fc = ARMAForecast((1, 0, 0), log=True).fit(y).predict(10)
    assert (fc["lower"] > 0).all() and (fc["lower"] <= fc["mean"]).all() and (fc["mean"] <= fc["upper"]).all()


# --------------------------------------------------------------------------- #
# rolling origin and leaderboard

def test_origins_and_too_short_series():
    assert origins(20, initial=10, horizon=3, step=3) == [10, 13, 16]
    with pytest.raises(ValueError, match="too short"):
        origins(10, initial=9, horizon=3, step=1)


def test_rolling_origin_matches_a_manual_loop():
    y = pd.Series([5.0, 7, 6, 8, 6, 9, 7, 10, 8, 11, 9, 12, 10, 13],
                  index=pd.date_range("2024-01-01", periods=14))
    result = rolling_origin(y, [NaiveForecast(), SeasonalNaiveForecast(2)], horizon=2, initial=8,
                            m=2, step=2, progress=False)
    naive = result.scores[result.scores["model"] == "naive"]
    v = y.to_numpy()
    for row, o in zip(naive.itertuples(), [8, 10, 12]):
        actual = v[o:o + 2]
        err = np.abs(actual - v[o - 1]).mean()
        scale = np.abs(v[2:o] - v[:o - 2]).mean()
        assert row.MAE == pytest.approx(err)
        assert row.MASE == pytest.approx(err / scale)
    board = leaderboard(result)
    snaive = board.set_index("model").loc["seasonal naive (m=2)"]
    assert snaive["skill"] == pytest.approx(0.0)
    nv = board.set_index("model").loc["naive"]
    assert nv["skill"] == pytest.approx(1 - nv["MASE(m=2)"] / snaive["MASE(m=2)"])
    assert len(result.forecasts) == 2 * 3 * 2
    assert set(board.columns) >= {"MAE", "RMSE", "MASE(m=2)", "skill", "coverage(95%)", "fit_seconds"}


def test_models_never_see_the_values_they_are_judged_on():
    seen = []

    class Spy(NaiveForecast):
        def fit(self, y, exog=None):
            seen.append(len(y))
            return super().fit(y)

    y = pd.Series(np.arange(30.0), index=pd.date_range("2024-01-01", periods=30))
    result = rolling_origin(y, [Spy()], horizon=5, initial=10, m=7, step=5, progress=False)
    assert seen == [10, 15, 20, 25]
    assert list(result.scores["origin"]) == list(y.index[[10, 15, 20, 25]])


def test_exogenous_inputs_reach_only_the_models_that_use_them():
    idx = pd.date_range("2024-01-01", periods=120)
    promo = pd.DataFrame({"promotion": (np.arange(120) % 17 < 2).astype(float)}, index=idx)
    rng = np.random.default_rng(0)
    y = pd.Series(50 + 30 * promo["promotion"].to_numpy() + rng.normal(0, 2, 120), index=idx)
    result = rolling_origin(y, [ARMAForecast((1, 0, 0)), ARMAForecast((1, 0, 0), exog_columns=["promotion"])],
                            horizon=7, initial=84, m=7, exog=promo, progress=False)
    board = leaderboard(result).set_index("model")
    assert board.loc["ARMA(1,0) + promotion", "MASE(m=7)"] < 0.5 * board.loc["ARMA(1,0)", "MASE(m=7)"]


@pytest.mark.parametrize("trend, order", [("ct", (1, 0, 0)), ("c", (1, 0, 0)), (None, (0, 1, 1))])
def test_exog_effects_are_named_by_their_columns_after_any_trend_terms(trend, order):
    rng = np.random.default_rng(1)
    idx = pd.date_range("2024-01-01", periods=300)
    inputs = pd.DataFrame({"promotion": (np.arange(300) % 17 < 2).astype(float), "noise": rng.normal(size=300)},
                          index=idx)
    slope = 0.02 if trend == "ct" else 0.0
    y = 50 + slope * np.arange(300) + 30 * inputs["promotion"].to_numpy() - 4 * inputs["noise"].to_numpy() \
        + rng.normal(0, 1, 300)
    model = ARMAForecast(order, trend=trend or "c", exog_columns=["promotion", "noise"]).fit(y, exog=inputs)
    effects = model.exog_effects()
    assert list(effects.index) == ["promotion", "noise"]
    assert effects.loc["promotion", "lower"] < 30 < effects.loc["promotion", "upper"]
    assert effects.loc["noise", "lower"] < -4 < effects.loc["noise", "upper"]
    assert ARMAForecast((1, 0, 0)).fit(y).exog_effects().empty


def test_weekday_indicators_drop_the_reference_day():
    idx = pd.date_range("2024-01-01", periods=14)  # starts on a Monday
    days = weekday_indicators(idx)
    assert list(days.columns) == ["Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert days.loc["2024-01-01"].sum() == 0 and days.loc["2024-01-02", "Tue"] == 1


def test_rnn_forecast_depends_on_its_seed_and_data_only():
    """Lesson 04 refits one compiled network at every origin: each fit must start afresh (weights,
    optimizer moments, shuffling), whatever was fitted before it."""
    import keras

    from course_lib.models.rnn_forecast import RNNForecast

    y = 50 + 10 * np.sin(np.arange(160) / 3) + np.random.default_rng(0).normal(0, 1, 160)

    def forecast(model, n):
        return model.fit(y[:n]).predict(3)["mean"].to_numpy()

    small = dict(window=6, horizon=3, units=4, cell="simple", epochs=3, batch_size=16)
    first = forecast(RNNForecast(**small, seed=0), 100)
    forecast(RNNForecast(**small, seed=0), 130)          # the same network, at a later origin
    forecast(RNNForecast(**small, seed=1), 120)          # another seed in between
    keras.utils.set_random_seed(99)                      # and the global random state moved
    np.testing.assert_allclose(forecast(RNNForecast(**small, seed=0), 100), first, rtol=1e-5)
    assert not np.allclose(forecast(RNNForecast(**small, seed=1), 100), first)
