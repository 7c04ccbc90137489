"""Task 4 of the case study: daily demand forecasts turned into stock orders (lesson 09, ``course-lib``).

Naive and seasonal naive beside a regression on weekday indicators with
ARIMA(0,1,1) errors, under rolling-origin evaluation; each model's orders
at the critical-ratio quantile, and the money they lose.
"""
from __future__ import annotations

import pandas as pd

from course_lib.datasets.own_data import event_type_hint
from course_lib.evaluate.rolling import leaderboard, rolling_origin
from course_lib.evaluate.stock import critical_ratio, interval_level_for, stock_leaderboard
from course_lib.models.forecasters import (ARMAForecast, NaiveForecast, SeasonalNaiveForecast,
                                          weekday_indicators)
from course_lib.prep.series import daily_series
from course_lib.show.plots import plot_stock_orders
from course_lib.tasks.results import DemandResult
from course_lib.tasks.settings import DemandSettings


def demand_task(events: pd.DataFrame, settings: DemandSettings | None = None, *,
                progress: bool = True) -> DemandResult:
    """Daily demand forecasts, and the money each one loses as a stock order."""
    s = settings or DemandSettings()
    result = DemandResult("demand", "Demand and stock")
    purchases = events["event_type"] == "purchase"
    if not purchases.any():
        result.skipped = ("the log has no purchase events, so there is no demand to stock for"
                          + event_type_hint(events))
        return result
    units = "quantity" if "quantity" in events and events.loc[purchases, "quantity"].notna().all() else "events"
    series = daily_series(events, value=units).astype(float)
    problem = s.too_short(len(series))
    if problem:
        result.skipped = f"too few days of purchases: {problem}"
        return result
    initial = s.initial_window(len(series))
    ratio = critical_ratio(s.underage_cost, s.overage_cost)
    exog = weekday_indicators(series.index)
    log = bool((series >= 0).all())
    models = [NaiveForecast(), SeasonalNaiveForecast(s.season),
              ARMAForecast((0, 1, 1), exog_columns=list(exog.columns), log=log,
                           name="ARIMA(0,1,1) + weekday" + (" log" if log else ""))]
    rolled = rolling_origin(series, models, horizon=s.horizon, initial=initial, m=s.season,
                            step=s.step, exog=exog, level=interval_level_for(ratio), progress=progress)
    forecast_board = leaderboard(rolled)
    costs = stock_leaderboard(rolled.forecasts, s.underage_cost, s.overage_cost,
                              baseline=rolled.baseline)
    result.tables = {"demand_leaderboard": forecast_board, "stock_costs": costs}
    what = "units" if units == "quantity" else "purchase events"
    result.notes.append(f"Daily {what}, {len(series)} days; rolling origin from day {initial}, "
                        f"horizon {s.horizon}, {len(rolled.scores) // len(models)} origins; MASE "
                        f"against seasonal naive with m={s.season}.")
    result.notes.append(f"Stock: a unit short costs {s.underage_cost:g}, a unit left over "
                        f"{s.overage_cost:g}, so the best order is the {ratio:.0%} quantile of the "
                        "forecast distribution.")
    cheapest = costs.iloc[0]
    saving = f", {cheapest['saving']:.0%} less than ordering the seasonal-naive forecast" \
        if "saving" in costs else ""
    result.notes.append(f"Cheapest: {cheapest['model']}, {cheapest['policy']}: "
                        f"{cheapest['money lost']:,.0f} lost over the test days{saving}.")
    ax = plot_stock_orders(series, rolled.forecasts, forecast_board["model"].iloc[0], ratio, what=what)
    ax.figure.tight_layout()
    result.figures["demand_orders"] = ax.figure
    result.series, result.rolled, result.leaderboard, result.costs = series, rolled, forecast_board, costs
    return result
