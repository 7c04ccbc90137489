"""Figures of the data tour (lesson 00) and of later lessons.

Every function draws on a Matplotlib ``ax`` (a new figure if none is given)
and returns it, so a lesson can combine them in one figure.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

EVENT_COLOURS = {"view": "#9aa7b4", "cart": "#e69f00", "purchase": "#009e73"}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _axes(ax, size=(6, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_funnel(events: pd.DataFrame, ax=None, title: str = "Funnel"):
    """Sessions that reach view, cart and purchase, with step-to-step conversion."""
    ax = _axes(ax)
    reached = [events.loc[events["event_type"] == k, "session_id"].nunique()
               for k in ("view", "cart", "purchase")]
    bars = ax.bar(["view", "cart", "purchase"], reached,
                  color=[EVENT_COLOURS[k] for k in ("view", "cart", "purchase")])
    for i, bar in enumerate(bars):
        label = f"{reached[i]:,}"
        if i and reached[i - 1]:
            label += f"\n({reached[i] / reached[i - 1]:.0%} of previous)"
        ax.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("sessions reaching the step")
    ax.set_title(title)
    ax.margins(y=0.25)
    return ax


def plot_session_lengths(events: pd.DataFrame, ax=None, title: str = "Session lengths"):
    """Histogram of events per session (log count axis: the tail is long)."""
    ax = _axes(ax)
    lengths = events.groupby("session_id").size()
    top = int(np.percentile(lengths, 99)) + 1
    ax.hist(lengths.clip(upper=top), bins=np.arange(1, top + 2) - 0.5, color="#56b4e9")
    ax.set_yscale("log")
    ax.set_xlabel(f"events per session (clipped at {top})")
    ax.set_ylabel("sessions")
    ax.set_title(f"{title} (median {lengths.median():.0f})")
    return ax


def plot_long_tail(events: pd.DataFrame, ax=None, title: str = "Item popularity"):
    """Rank-frequency of items on log-log axes, with the top-20 % share."""
    ax = _axes(ax)
    counts = events["item_id"].value_counts().to_numpy()
    ranks = np.arange(1, len(counts) + 1)
    ax.loglog(ranks, counts, ".", ms=3, color="#cc79a7")
    n_top = max(1, int(round(0.2 * len(counts))))
    share = counts[:n_top].sum() / counts.sum()
    ax.axvline(n_top, color="grey", lw=0.8, ls="--")
    ax.text(n_top * 1.1, counts.max() / 2, f"top 20 % of items:\n{share:.0%} of events", fontsize=8)
    ax.set_xlabel("item rank")
    ax.set_ylabel("events")
    ax.set_title(title)
    return ax


def plot_daily(series: pd.Series, ax=None, title: str = "Daily demand", marks=None,
               mark_label: str = "promotion"):
    """A daily series with its 7-day mean; optional marked dates (e.g. promotions)."""
    ax = _axes(ax, size=(9, 3))
    ax.plot(series.index, series.to_numpy(), lw=0.8, color="#0072b2", label="daily")
    ax.plot(series.index, series.rolling(7, center=True).mean().to_numpy(), lw=2,
            color="#d55e00", label="7-day mean")
    if marks is not None and len(marks):
        marks = pd.to_datetime(pd.Index(marks))
        inside = marks[marks.isin(series.index)]
        ax.scatter(inside, series.loc[inside], color="#009e73", zorder=3, s=18, label=mark_label)
    ax.set_title(title)
    ax.set_ylabel(series.name or "")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_weekday_profile(series: pd.Series, ax=None, title: str = "Mean by weekday"):
    """Mean of a daily series per weekday: the weekly cycle at a glance."""
    ax = _axes(ax, size=(4, 3))
    means = series.groupby(series.index.day_of_week).mean().reindex(range(7))
    ax.bar(WEEKDAYS, means.to_numpy(), color="#0072b2")
    ax.set_title(title)
    ax.set_ylabel(f"mean {series.name}" if series.name else "mean per day")
    return ax


def plot_user_timeline(events: pd.DataFrame, user, ax=None):
    """One user's events in time, one row per session, coloured by event type."""
    ax = _axes(ax, size=(9, 3))
    mine = events[events["user_id"] == user]
    sessions = {s: i for i, s in enumerate(pd.unique(mine["session_id"]))}
    for kind, colour in EVENT_COLOURS.items():
        part = mine[mine["event_type"] == kind]
        ax.scatter(part["timestamp"], part["session_id"].map(sessions), s=14, color=colour,
                   label=kind, zorder=3 if kind != "view" else 2)
    ax.set_yticks(range(len(sessions)))
    ax.set_yticklabels([str(s) for s in sessions], fontsize=7)
    ax.set_ylabel("session")
    ax.set_title(f"user {user}: {len(mine)} events in {len(sessions)} sessions")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_acf_pacf(x, lags: int = 20, axes=None, title: str = ""):
    """Sample ACF and PACF side by side with their 95 % bands (lessons 01-03)."""
    from statsmodels.graphics.tsaplots import plot_acf, plot_pacf

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3))
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    plot_acf(x, lags=lags, ax=axes[0], zero=False, auto_ylims=True)
    plot_pacf(x, lags=lags, ax=axes[1], zero=False, method="ywm", auto_ylims=True)
    axes[0].set_title(f"ACF {title}".strip())
    axes[1].set_title(f"PACF {title}".strip())
    for ax in axes[:2]:
        ax.set_xlabel("lag")
    return axes


def plot_forecast(history: pd.Series, forecast: pd.DataFrame, ax=None, title: str = "",
                  actual: pd.Series | None = None, label: str = "forecast"):
    """The end of a series, a forecast with its interval band, and what happened."""
    ax = _axes(ax, size=(9, 3))
    ax.plot(history.index, history.to_numpy(), color="#0072b2", lw=1, label="history")
    idx = forecast.index
    ax.plot(idx, forecast["mean"].to_numpy(), color="#d55e00", lw=1.5, label=label)
    ax.fill_between(idx, forecast["lower"].to_numpy(), forecast["upper"].to_numpy(),
                    color="#d55e00", alpha=0.2, label="95 % interval")
    if actual is not None:
        ax.plot(actual.index, actual.to_numpy(), "k.", ms=4, label="actual")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_rolling_forecasts(series: pd.Series, forecasts: pd.DataFrame, models, n_origins: int = 4,
                           ax=None, title: str | None = None, ylabel: str | None = None):
    """The last ``n_origins`` rolling-origin forecasts of some models, with their intervals.

    ``forecasts`` is :attr:`RollingResult.forecasts` (lesson 03, ``course-lib forecast``).
    """
    ax = _axes(ax, size=(12, 3.5))
    origins = sorted(forecasts["origin"].unique())[-n_origins:]
    first = forecasts.loc[forecasts["origin"] == origins[0], "date"].min()
    before = series.index[series.index < first][-3 * forecasts["step"].max():]
    shown = series.loc[before.min():]
    ax.plot(shown.index, shown.to_numpy(), "k.-", lw=0.6, ms=4, label="actual")
    colours = ["#d55e00", "#0072b2", "#009e73", "#cc79a7"]
    for colour, name in zip(colours, models):
        for i, origin in enumerate(origins):
            part = forecasts[(forecasts["model"] == name) & (forecasts["origin"] == origin)]
            ax.plot(part["date"], part["mean"], color=colour, lw=1.5, label=name if i == 0 else None)
            ax.fill_between(part["date"], part["lower"], part["upper"], color=colour, alpha=0.12)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(title or f"the last {len(origins)} rolling-origin forecasts with their intervals")
    ax.set_ylabel(ylabel or series.name or "")
    return ax


def plot_metric_bars(table: pd.DataFrame, metric: str, ax=None, title: str = "",
                     reference: float | None = None, reference_label: str = "", labels=None):
    """One bar per row of a leaderboard (its first row on top), with an optional reference line.

    ``labels`` maps the ``model`` column to display labels (lesson 09, ``course-lib report``).
    """
    ax = _axes(ax, size=(7, 0.45 * len(table) + 1.2))
    ordered = table.iloc[::-1]
    names = ordered["model"].astype(str)
    if labels:
        names = names.map(lambda name: labels.get(name, name))
    ax.barh(names, ordered[metric], color="tab:blue")
    if reference is not None:
        ax.axvline(reference, color="tab:red", ls="--", lw=1, label=reference_label)
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel(metric)
    ax.set_title(title, fontsize=10)
    return ax


def plot_stock_orders(series: pd.Series, forecasts: pd.DataFrame, model: str, ratio: float,
                      ax=None, what: str = "demand"):
    """A daily series, one model's rolling-origin forecasts, and the orders at the ``ratio``
    quantile (the interval's upper end), rounded and never negative (lesson 09, ``report``)."""
    ax = _axes(ax, size=(10, 3.2))
    ax.plot(series.index, series.to_numpy(), color="0.3", lw=1, label=f"daily {what}")
    f = forecasts[forecasts["model"] == model]
    ax.plot(f["date"], f["mean"], color="tab:blue", lw=1, label=f"{model}: forecast")
    ax.plot(f["date"], np.maximum(np.round(f["upper"]), 0), color="tab:orange", lw=1,
            label=f"order ({ratio:.0%} quantile)")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("demand and stock orders from rolling origins", fontsize=10)
    return ax
