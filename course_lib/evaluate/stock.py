"""From a demand forecast to a stock decision: the newsvendor (lesson 09).

Each day the shop stocks ``q`` units before it knows the demand ``d``.
A unit short costs ``underage_cost`` (the margin lost, and a disappointed
customer), a unit left over costs ``overage_cost`` (holding, markdown,
waste). The expected cost is smallest when ``q`` is the
``underage / (underage + overage)`` quantile of the demand distribution:
the **critical ratio**. The median is the right order only when the two
costs are equal; this module handles the usual case, where a shortage
costs more (a ratio above 0.5).

The rolling-origin evaluator gives every forecaster's interval; asked for
the central interval at level ``2 * ratio - 1``, its upper end **is** the
critical-ratio quantile, so any forecaster with intervals yields an order.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def critical_ratio(underage_cost: float, overage_cost: float) -> float:
    """The service level that minimises the expected cost: cu / (cu + co)."""
    if underage_cost <= 0 or overage_cost <= 0:
        raise ValueError("both costs must be positive")
    return underage_cost / (underage_cost + overage_cost)


def interval_level_for(ratio: float) -> float:
    """The central-interval level whose upper end is the ``ratio`` quantile."""
    if not 0.5 < ratio < 1:
        raise ValueError("the critical ratio must lie between 0.5 and 1 (shortage costs more)")
    return 2 * ratio - 1


def newsvendor_cost(demand, order, underage_cost: float, overage_cost: float) -> np.ndarray:
    """Money lost per period: cu * units short + co * units left over."""
    demand, order = np.asarray(demand, float), np.asarray(order, float)
    return underage_cost * np.maximum(demand - order, 0) + overage_cost * np.maximum(order - demand, 0)


def stock_leaderboard(forecasts: pd.DataFrame, underage_cost: float, overage_cost: float,
                      baseline: str | None = None) -> pd.DataFrame:
    """Money lost by each model under two policies, cheapest first.

    ``forecasts`` is :attr:`RollingResult.forecasts` from a run at level
    ``interval_level_for(critical_ratio(...))``. Policy "order the forecast"
    stocks the point forecast; "order the quantile" stocks the interval's
    upper end. Orders are whole units, never negative. ``saving`` compares
    with the point forecast of ``baseline``, usually :attr:`RollingResult.baseline`
    (the seasonal naive model, what a shop without a model would order).
    """
    rows = []
    for model, f in forecasts.groupby("model", sort=False):
        for policy, column in (("order the forecast", "mean"), ("order the quantile", "upper")):
            order = np.maximum(np.round(f[column].to_numpy()), 0)
            demand = f["actual"].to_numpy()
            cost = newsvendor_cost(demand, order, underage_cost, overage_cost)
            rows.append({"model": model, "policy": policy, "money lost": cost.sum(),
                         "per day": cost.mean(), "days short": float(np.mean(demand > order)),
                         "units short": np.maximum(demand - order, 0).sum(),
                         "units left": np.maximum(order - demand, 0).sum()})
    table = pd.DataFrame(rows)
    if baseline is not None:
        ref = table.loc[(table["model"] == baseline) & (table["policy"] == "order the forecast"),
                        "money lost"]
        if len(ref) and float(ref.iloc[0]) > 0:
            table["saving"] = 1 - table["money lost"] / float(ref.iloc[0])
    return table.sort_values("money lost", ignore_index=True)
