"""Rolling-origin evaluation and the forecast leaderboard (lessons 03, 04, 09).

One train/test split says little: the test window may be easy or hard by
chance. Rolling origin (time-series cross-validation) fits each model on
the data up to an origin, forecasts the next ``horizon`` values, moves the
origin forward by ``step`` and repeats. Every model sees exactly the same
origins, and no model ever sees the values it is judged on.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from course_lib.evaluate.forecast import mae, rmse, seasonal_naive_scale


@dataclass
class RollingResult:
    """Per-origin scores and every forecast made, for tables and plots."""

    scores: pd.DataFrame      # one row per (model, origin)
    forecasts: pd.DataFrame   # one row per (model, origin, step)
    m: int
    horizon: int
    level: float
    baseline: str | None = None  # name of the seasonal naive benchmark, if it was evaluated


def origins(n: int, initial: int, horizon: int, step: int) -> list[int]:
    """Positions where training ends: initial, initial + step, ... while a full horizon remains."""
    if initial < 2 or initial + horizon > n:
        raise ValueError(f"series of {n} values is too short for initial={initial}, horizon={horizon}")
    return list(range(initial, n - horizon + 1, step))


def rolling_origin(series: pd.Series, forecasters, *, horizon: int, initial: int, m: int,
                   step: int | None = None, exog: pd.DataFrame | None = None,
                   level: float = 0.95, progress: bool = True) -> RollingResult:
    """Evaluate ``forecasters`` (a list) on ``series`` from rolling origins.

    ``m`` is the seasonal period used by MASE (and stated in its name).
    ``exog`` (aligned with ``series``) is given to each model with the
    future values known at forecast time, e.g. a promotion calendar.
    """
    from tqdm.auto import tqdm

    step = step or horizon
    y = series.to_numpy(dtype=float)
    points = origins(len(y), initial, horizon, step)
    score_rows, forecast_rows = [], []
    bar = tqdm(total=len(points) * len(forecasters), desc="rolling origin", disable=not progress)
    for origin in points:
        train, actual = y[:origin], y[origin:origin + horizon]
        scale = seasonal_naive_scale(train, m)
        x_train = None if exog is None else exog.iloc[:origin]
        x_future = None if exog is None else exog.iloc[origin:origin + horizon]
        for template in forecasters:
            model = copy.deepcopy(template)
            start = time.perf_counter()
            model.fit(train, exog=x_train)
            fit_seconds = time.perf_counter() - start
            fc = model.predict(horizon, exog_future=x_future, level=level)
            inside = (actual >= fc["lower"].to_numpy()) & (actual <= fc["upper"].to_numpy())
            score_rows.append({
                "model": model.name, "origin": series.index[origin],
                "MAE": mae(actual, fc["mean"]), "SE": float(np.mean((actual - fc["mean"]) ** 2)),
                "MASE": mae(actual, fc["mean"]) / scale, "coverage": float(inside.mean()),
                "fit_seconds": fit_seconds,
                "converged": getattr(model, "converged", True),
            })
            forecast_rows.append(pd.DataFrame({
                "model": model.name, "origin": series.index[origin],
                "date": series.index[origin:origin + horizon], "step": np.arange(1, horizon + 1),
                "actual": actual, "mean": fc["mean"].to_numpy(),
                "lower": fc["lower"].to_numpy(), "upper": fc["upper"].to_numpy()}))
            bar.update()
    bar.close()
    baseline = next((f.name for f in forecasters if f.key == "seasonal_naive"), None)
    return RollingResult(pd.DataFrame(score_rows), pd.concat(forecast_rows, ignore_index=True),
                         m=m, horizon=horizon, level=level, baseline=baseline)


def leaderboard(result: RollingResult, baseline: str | None = None) -> pd.DataFrame:
    """One row per model, best MASE first.

    MAE and MASE are means over origins; RMSE pools all squared errors;
    ``skill`` is 1 - MASE / MASE(baseline), the share of the seasonal naive
    error a model removes (positive: better than the benchmark); ``coverage``
    is the share of actual values inside the prediction intervals (the
    nominal level is ``result.level``).
    """
    baseline = baseline or result.baseline
    s = result.scores
    table = s.groupby("model", sort=False).agg(
        MAE=("MAE", "mean"), RMSE=("SE", lambda v: float(np.sqrt(np.mean(v)))),
        MASE=("MASE", "mean"), coverage=("coverage", "mean"),
        fit_seconds=("fit_seconds", "sum"), converged=("converged", "mean"))
    if baseline in table.index:   # undefined (NaN) where the benchmark made no error
        scale = table.loc[baseline, "MASE"]
        table.insert(3, "skill", 1 - table["MASE"] / scale if scale > 0 else np.nan)
    table = table.rename(columns={"MASE": f"MASE(m={result.m})",
                                  "coverage": f"coverage({result.level:.0%})"})
    return table.sort_values(f"MASE(m={result.m})").reset_index()
