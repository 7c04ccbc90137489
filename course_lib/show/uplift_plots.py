"""Figures for uplift and targeting (lesson 09, ``course-lib report``).

Every function draws on a Matplotlib ``ax`` (a new figure if none is given)
and returns it.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from course_lib.evaluate.uplift import qini_curve

SEGMENT_COLOURS = {"persuadable": "#009e73", "sure thing": "#0072b2", "lost cause": "#999999",
                   "sleeping dog": "#d55e00"}


def _axes(ax, size):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_qini_curves(outcome, treatment, rankings: dict, ax=None, title: str = "Qini curves"):
    """Extra buyers against the share of customers targeted, per ranking, with the random line."""
    ax = _axes(ax, (6.5, 4))
    for i, (name, score) in enumerate(rankings.items()):
        curve = qini_curve(outcome, treatment, score)
        ax.plot(curve["share"], curve["extra buyers"], lw=1.6, label=name, color=f"C{i}")
    ax.plot([0, 1], [0, curve["extra buyers"].iloc[-1]], "--", color="0.3", lw=1,
            label="random targeting")
    ax.axhline(0, color="0.8", lw=0.8)
    ax.set_xlabel("share of customers sent the coupon (highest-ranked first)")
    ax.set_ylabel("extra buyers (Qini)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_profit(table: pd.DataFrame, ax=None, title: str = "Profit of each targeting plan"):
    """The budget table as horizontal bars with their 95 % intervals."""
    new = ax is None
    ax = _axes(ax, (7, 0.32 * len(table) + 1.2))
    rows = table.iloc[::-1]
    colours = ["#009e73" if "uplift" in t else "#d55e00" if "churn" in t else "#0072b2"
               if "response" in t else "0.5" for t in rows["targeting"]]
    error = np.vstack([rows["profit"] - rows["profit_lower"], rows["profit_upper"] - rows["profit"]])
    ax.barh(rows["targeting"], rows["profit"], xerr=error, color=colours, error_kw={"lw": 0.8})
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("estimated profit against sending no coupon (95 % interval)")
    ax.set_title(title, fontsize=10)
    ax.tick_params(axis="y", labelsize=8)
    if new:
        ax.figure.tight_layout()
    return ax


def plot_uplift_vs_truth(predicted, true_uplift, segment, ax=None,
                         title: str = "Predicted against true uplift"):
    """One dot per customer, coloured by its segment (synthetic shop only: the truth is known)."""
    ax = _axes(ax, (5.5, 4))
    segment = pd.Series(np.asarray(segment, dtype=object))
    for name, colour in SEGMENT_COLOURS.items():
        mask = (segment == name).to_numpy()
        if mask.any():
            ax.scatter(np.asarray(true_uplift)[mask], np.asarray(predicted)[mask], s=6, alpha=0.5,
                       color=colour, label=f"{name} ({mask.sum():,})")
    ax.axhline(0, color="0.8", lw=0.8)
    ax.axvline(0, color="0.8", lw=0.8)
    ax.set_xlabel("true uplift (P(buy | coupon) - P(buy | none))")
    ax.set_ylabel("predicted uplift")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, markerscale=2)
    return ax
