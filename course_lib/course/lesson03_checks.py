"""Checkers for the exercises of lesson 03 (solutions/03_arma_and_forecast_evaluation.ipynb)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from course_lib.course.exercise import (CORRECT, NOT_ATTEMPTED, WRONG, against_baseline, answer_set, close,
                                        is_missing, report)
from course_lib.evaluate.forecast import mae, mase
from course_lib.evaluate.uncertainty import mean_intervals
from course_lib.models.forecasters import NaiveForecast, SeasonalNaiveForecast


def mase_by_hand(answer, actual, forecast, train, m: int) -> None:
    """03.1: MASE with seasonal period ``m``."""
    if is_missing(answer):
        return report("03.1", NOT_ATTEMPTED)
    expected = mase(actual, forecast, train, m)
    if close(answer, expected):
        return report("03.1", CORRECT, f"below 1 means better than the in-sample seasonal naive (m={m}).")
    if close(answer, mase(actual, forecast, train, 1)):
        return report("03.1", WRONG, "hint: that scale is the naive (m=1) one; compare each "
                                     f"training value with the one m={m} steps earlier.")
    if close(answer, mae(actual, forecast)):
        return report("03.1", WRONG, "hint: that is the MAE; divide it by the in-sample MAE of "
                                     "the seasonal naive forecast.")
    return report("03.1", WRONG, "hint: scale = mean |train[m:] − train[:−m]|; MASE = MAE / scale.")


def seasonal_naive_by_hand(answer, series, m: int, h: int) -> None:
    """03.2: the seasonal naive forecast for ``h`` steps."""
    if is_missing(answer):
        return report("03.2", NOT_ATTEMPTED)
    expected = SeasonalNaiveForecast(m).fit(series).predict(h)["mean"].to_numpy()
    answer = np.asarray(answer, dtype=float).ravel()
    if answer.shape != expected.shape:
        return report("03.2", WRONG, f"hint: give {h} numbers, one per step ahead.")
    if close(answer, expected):
        return report("03.2", CORRECT, "beyond one season the pattern simply repeats.")
    if close(answer, NaiveForecast().fit(series).predict(h)["mean"].to_numpy()):
        return report("03.2", WRONG, "hint: that is the naive forecast (the last value); use the "
                                     "value one season earlier.")
    if close(answer[:m], expected[:m]):
        return report("03.2", WRONG, f"hint: steps beyond m={m} repeat the last season again "
                                     "(step m+1 equals step 1).")
    return report("03.2", WRONG, "hint: step k (1-based) uses series[len(series) − m + (k − 1) % m].")


def ljung_box_p(answer, residuals, lag: int, model_df: int) -> None:
    """03.3: the Ljung-Box p-value at ``lag`` with ``model_df`` degrees of freedom removed."""
    from statsmodels.stats.diagnostic import acorr_ljungbox

    if is_missing(answer):
        return report("03.3", NOT_ATTEMPTED)
    expected = float(acorr_ljungbox(residuals, lags=[lag], model_df=model_df)["lb_pvalue"].iloc[0])
    if close(answer, expected, rel=1e-3, abs_=1e-6):
        verdict = "the residuals look like white noise" if expected > 0.05 else \
            "some autocorrelation is left in the residuals"
        return report("03.3", CORRECT, f"at the 5 % level {verdict}.")
    plain = float(acorr_ljungbox(residuals, lags=[lag])["lb_pvalue"].iloc[0])
    if close(answer, plain, rel=1e-3, abs_=1e-6):
        return report("03.3", WRONG, "hint: subtract the estimated ARMA coefficients from the "
                                     "degrees of freedom: model_df=p+q.")
    return report("03.3", WRONG, f"hint: acorr_ljungbox(residuals, lags=[{lag}], model_df=...) "
                                 "returns a table; take its lb_pvalue.")


def better_than_benchmark(answer, per_origin, baseline: str) -> None:
    """03.4: the models whose MASE is lower than ``baseline``'s with a paired 95 % interval below 0."""
    if is_missing(answer):
        return report("03.4", NOT_ATTEMPTED)
    per_origin = pd.DataFrame(per_origin)
    table = mean_intervals({m: per_origin[[m]].set_axis(["MASE"], axis=1) for m in per_origin},
                           range(len(per_origin)), baseline=baseline)
    vs = f"MASE_vs_{baseline}"
    expected, lower_point, worse = against_baseline(table, baseline, vs, higher_is_better=False)
    given = answer_set(answer)
    if given is None:
        return report("03.4", WRONG, "hint: give a list of model names, e.g. ['A'] (or [] for none).")
    if given == expected:
        return report("03.4", CORRECT, "only a difference whose whole interval lies below 0 is one "
                                       "these origins can see.")
    unsure = sorted((given - expected) & lower_point)
    if unsure:
        return report("03.4", WRONG, f"hint: {', '.join(unsure)} has a lower MASE, but the interval of "
                                     f"its difference to {baseline} contains 0: these origins cannot "
                                     "tell them apart.")
    if given & worse:
        return report("03.4", WRONG, f"hint: a positive {vs} means a larger error than {baseline}: "
                                     "worse, not better.")
    if not given:
        return report("03.4", WRONG, "hint: the MASE intervals overlap because every model shares the "
                                     f"hard weeks; read the paired difference ({vs}) instead.")
    return report("03.4", WRONG, f"hint: keep the models whose {vs}_upper is below 0.")
