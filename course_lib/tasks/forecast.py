"""``course-lib forecast``: a rolling-origin leaderboard of a daily series (lesson 03 on any file).

The benchmarks (mean, naive, seasonal naive, drift) and the ARMA family of
lesson 03 (:func:`~course_lib.models.forecasters.standard_forecasters`),
evaluated from rolling origins with MASE against seasonal naive. The model is
chosen on the earlier (validation) origins and reported on the later (test)
origins with 95 % bootstrap intervals: nothing is chosen on the test.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from course_lib.datasets import EventLogError
from course_lib.evaluate.forecast_choice import choose_forecaster
from course_lib.evaluate.rolling import rolling_origin
from course_lib.models.forecasters import standard_forecasters, weekday_indicators
from course_lib.prep import daily_series, trading_days
from course_lib.show.plots import plot_rolling_forecasts
from course_lib.tasks.results import ForecastResult
from course_lib.tasks.settings import ForecastSettings, SettingsError, option
from course_lib.tasks.trust import few_origins_warning

_PERIOD = {"D": "day", "W": "week", "M": "month", "MS": "month", "ME": "month"}


def _per(freq: str) -> str:
    return _PERIOD.get(freq.upper(), freq)


def series_from_values(series: pd.Series, value: str, settings: ForecastSettings) -> tuple[pd.Series, str]:
    """A series read from a file (``load_series``), summed per ``settings.freq``; and what it counts.

    A period the file has no row for becomes 0, and a note in ``series.attrs["notes"]`` (after
    the loader's) says how many and where the first one is."""
    notes = list(series.attrs.get("notes", []))
    periods = series.resample(settings.freq)
    rows = periods.count()
    missing = rows.index[rows.to_numpy() == 0]
    if len(missing):
        per = _per(settings.freq)
        notes.append(f"{len(missing):,} {per}s between the first and the last are missing from the "
                     f"file and were filled with 0, the first {missing[0]:%Y-%m-%d}; if they are "
                     "not zeros, add them to the file")
    return _finish(periods.sum(), f"{value} per {_per(settings.freq)}", settings, notes)


def over_the_whole_log(series: pd.Series, events: pd.DataFrame, freq: str = "D") -> tuple[pd.Series, list[str]]:
    """``series`` (of purchases, per ``freq``) over every period of the log, from its first event to
    its last: the periods without a purchase at either end, which ``daily_series`` does not reach,
    are 0 (views went on, no one bought), said in a note. (course-lib forecast, the demand task.)"""
    full = events.set_index("timestamp")["event_type"].resample(freq).size().index
    added = full.difference(series.index)
    if not len(added):
        return series, []
    per = _per(freq)
    note = (f"{len(added):,} {per}{'s' if len(added) > 1 else ''} of the log without a purchase at its "
            f"start or end ({added[0]:%Y-%m-%d} to {added[-1]:%Y-%m-%d}) are counted as 0: the log "
            "has other events then")
    return series.reindex(series.index.union(full), fill_value=0), [note]


def series_from_events(events: pd.DataFrame, settings: ForecastSettings) -> tuple[pd.Series, str]:
    """``settings.count`` of purchase events (of all events, if the log has no purchases) per period."""
    needs = {"quantity": ("quantity",), "revenue": ("price",)}.get(settings.count, ())
    for column in needs:
        if column not in events.columns:
            raise SettingsError(f"{option('count')} {settings.count} needs a {column} column, which "
                                f"this log has none of: map it with --{column} COL ({column}=), or "
                                "count events or sessions")
    kind = "purchase" if (events["event_type"] == "purchase").any() else None
    one_unit = settings.count == "revenue" and "quantity" not in events.columns
    if one_unit:   # a log of orders and their amounts: each line is one unit at its price
        events = events.assign(quantity=1)
    series = daily_series(events, event_type=kind, value=settings.count, freq=settings.freq)
    series, notes = over_the_whole_log(series, events, settings.freq)
    counted = "" if settings.count == "events" else f"{settings.count} of "
    what = f"{counted}{kind or 'all'} events per {_per(settings.freq)}"
    if one_unit:
        what += " (the sum of prices: no quantity column, so each line is one unit)"
    return _finish(series, what, settings, notes)


def _finish(series: pd.Series, what: str, settings: ForecastSettings,
            notes: list | None = None) -> tuple[pd.Series, str]:
    if settings.trading_days:
        series = trading_days(series)
        what += ", trading days only"
    series = series.rename("value")
    series.attrs["notes"] = list(notes or [])
    return series, what


def forecast_task(series: pd.Series, what: str, settings: ForecastSettings | None = None, *,
                  source: str = "series", progress: bool = True, log=print) -> ForecastResult:
    """Evaluate the standard forecasters on ``series`` from rolling origins."""
    s = settings or ForecastSettings()
    problem = s.too_short(len(series))
    if problem:
        raise EventLogError(f"the series ({what}) is too short: {problem}", path=source)
    initial, m, h = s.initial_window(len(series)), s.season, s.horizon
    exog = weekday_indicators(series.index) if s.freq.upper() == "D" else None
    columns = list(exog.columns) if exog is not None and exog.shape[1] else None
    models = standard_forecasters(series.iloc[:initial].to_numpy(), m, weekday_columns=columns)
    log(f"{source}: {len(series)} values ({what}), {series.index[0]:%Y-%m-%d} to "
        f"{series.index[-1]:%Y-%m-%d}; initial window {initial}, horizon {h}, step "
        f"{s.step or h}, seasonal period m={m}")
    rolled = rolling_origin(series, models, horizon=h, initial=initial, m=m, step=s.step,
                            exog=exog, progress=progress)
    choice = choose_forecaster(rolled)  # chosen on validation origins, reported on test origins
    fig, ax = plt.subplots(figsize=(12, 4))
    plot_rolling_forecasts(series, rolled.forecasts, list(dict.fromkeys([choice.chosen, choice.baseline])),
                           ax=ax, title=f"{Path(source).name}: {what}")
    fig.tight_layout()
    result = ForecastResult("forecast", f"Forecasts of {what}", series=series, what=what,
                            rolled=rolled, leaderboard=choice.test, choice=choice)
    result.tables = {"leaderboard": choice.test, "validation": choice.validation,
                     "forecasts": choice.forecasts()}
    result.figures = {"forecast": fig}
    few = few_origins_warning("Warning", len(choice.test_origins))
    result.notes = [choice.describe(), *([few] if few else [])]
    return result


def forecast_files(result: ForecastResult) -> dict:
    """name -> writer(path): leaderboard.csv (test origins), validation.csv, forecasts.csv, series.csv,
    forecast.png."""
    def write_plot(path, fig=result.figures["forecast"]):
        fig.savefig(path, dpi=110)
        plt.close(fig)

    return {
        "leaderboard.csv": lambda p: result.leaderboard.to_csv(p, index=False, float_format="%.4f"),
        "validation.csv": lambda p: result.choice.validation.to_csv(p, index=False, float_format="%.4f"),
        "forecasts.csv": lambda p: result.tables["forecasts"].to_csv(p, index=False, float_format="%.4f"),
        "series.csv": lambda p: result.series.rename_axis("date").to_csv(p),
        "forecast.png": write_plot,
    }
