"""Task 4 of the case study: daily demand forecasts turned into stock orders (lesson 09, ``course-lib``).

Naive and seasonal naive beside a regression on weekday indicators with
ARIMA(0,1,1) errors, under rolling-origin evaluation; each model's orders
at the critical-ratio quantile, and the money they lose.

Nothing is chosen on the test: the origins are split in time
(:func:`~course_lib.evaluate.forecast_choice.choose_forecaster`); the
forecaster is chosen on the earlier, validation origins, and so is the
stock plan (which model's forecast, and whether to order the forecast or
its critical-ratio quantile), by the money it loses there. Both are then
reported on the later, test origins, with 95 % intervals over those origins.
"""
from __future__ import annotations

import pandas as pd

from course_lib.datasets.own_data import event_type_hint
from course_lib.evaluate.forecast_choice import choose_forecaster
from course_lib.evaluate.rolling import rolling_origin
from course_lib.evaluate.stock import (critical_ratio, interval_level_for, stock_intervals,
                                       stock_leaderboard)
from course_lib.evaluate.uncertainty import percent, vs_column
from course_lib.models.forecasters import (ARMAForecast, NaiveForecast, SeasonalNaiveForecast,
                                          weekday_indicators)
from course_lib.prep.series import daily_series
from course_lib.show.plots import plot_stock_orders
from course_lib.tasks.forecast import over_the_whole_log
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
    series, notes = over_the_whole_log(daily_series(events, value=units).astype(float), events)
    result.notes += notes
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
    choice = choose_forecaster(rolled)           # on the validation origins; reported on test
    plan, valid_costs, costs = choose_stock_plan(choice, s.underage_cost, s.overage_cost)
    forecast_board = choice.test
    result.tables = {"demand_leaderboard": forecast_board, "demand_validation": choice.validation,
                     "stock_costs": costs, "stock_costs_validation": valid_costs}
    what = "units" if units == "quantity" else "purchase events"
    result.notes.append(f"Daily {what}, {len(series)} days; rolling origin from day {initial}, "
                        f"horizon {s.horizon}, {len(rolled.scores) // len(models)} origins; MASE "
                        f"against seasonal naive with m={s.season}.")
    result.notes.append(choice.describe().replace("\n", "; "))
    result.notes.append(f"Stock: a unit short costs {s.underage_cost:g}, a unit left over "
                        f"{s.overage_cost:g}, so the best order is the {ratio:.0%} quantile of the "
                        "forecast distribution.")
    result.notes.append(stock_sentence(plan, valid_costs, costs))
    ax = plot_stock_orders(series, rolled.forecasts, plan[0], ratio, what=what)
    ax.figure.tight_layout()
    result.figures["demand_orders"] = ax.figure
    result.series, result.rolled, result.leaderboard, result.costs = series, rolled, forecast_board, costs
    result.choice, result.plan = choice, plan
    return result


def choose_stock_plan(choice, underage_cost: float, overage_cost: float):
    """((model, policy) chosen on the validation origins, validation costs, test costs).

    The plan that lost the least money on the validation origins; the test
    table (cheapest first) marks it in ``chosen on validation`` and gives
    every plan's cost per day with its 95 % interval over the test origins
    and its difference to ordering the seasonal-naive forecast.
    """
    baseline = choice.baseline
    valid = stock_leaderboard(choice.validation_result.forecasts, underage_cost, overage_cost,
                              baseline=baseline)
    plan = (str(valid["model"].iloc[0]), str(valid["policy"].iloc[0]))
    test = stock_leaderboard(choice.test_result.forecasts, underage_cost, overage_cost, baseline=baseline)
    ivs = stock_intervals(choice.test_result.forecasts, underage_cost, overage_cost, baseline)
    names = test["model"] + " · " + test["policy"]
    for column in [c for c in ivs.columns if c != "per day"]:
        test[column] = ivs.loc[names, column].to_numpy()
    test["chosen on validation"] = (test["model"] == plan[0]) & (test["policy"] == plan[1])
    test.attrs.update(ivs.attrs)
    return plan, valid, test


def stock_sentence(plan, valid_costs: pd.DataFrame, costs: pd.DataFrame) -> str:
    """What the plan chosen on validation loses on the test days, with its interval."""
    v = valid_costs[(valid_costs["model"] == plan[0]) & (valid_costs["policy"] == plan[1])].iloc[0]
    row = costs[costs["chosen on validation"]].iloc[0]
    text = (f"Stock plan chosen on the validation origins: {plan[0]}, {plan[1]} "
            f"({v['money lost']:,.0f} lost there). On the test days it loses {row['money lost']:,.0f} "
            f"({row['per day']:,.1f} per day, 95 % CI {row['per day_lower']:,.1f} to "
            f"{row['per day_upper']:,.1f})")
    reference = costs.attrs.get("baseline")
    if reference is not None and row["model"] + " · " + row["policy"] != reference:
        c = vs_column("per day", reference)
        verdict = "cheaper" if row[c] < 0 else "dearer"
        sure = (f"{verdict} than ordering the seasonal-naive forecast" if row[c + "_excludes_0"] else
                "not distinguishable from ordering the seasonal-naive forecast")
        text += (f", {sure}: {percent(row[c])} per day, 95 % CI {percent(row[c + '_lower'])} … "
                 f"{percent(row[c + '_upper'])}")
    cheapest = costs.iloc[0]
    if not cheapest["chosen on validation"]:
        text += (f". (On the test days {cheapest['model']}, {cheapest['policy']} happened to lose less, "
                 f"{cheapest['money lost']:,.0f}; it was not chosen, because choosing on the test "
                 "would make its number look better than it will be.)")
    return text + "."
