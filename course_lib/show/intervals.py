"""Intervals as error bars (lesson 03 introduces the figure; lessons 05-09 reuse it)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def plot_intervals(table: pd.DataFrame, column: str, ax=None, *, reference: float | None = None,
                   highlight: str | None = None, title: str | None = None, xlabel: str | None = None):
    """One horizontal bar per model: the point value of ``column`` and its ``_lower``-``_upper`` interval.

    ``table`` has the columns of :mod:`course_lib.evaluate.uncertainty` (a
    ``model`` column or the model as index). ``reference`` draws a vertical
    line (0 for a skill or a difference, 1 for MASE); ``highlight`` colours
    one model (the chosen one).
    """
    rows = table.set_index("model") if "model" in table.columns else table
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2))
    y = np.arange(len(rows))[::-1]
    point = rows[column].to_numpy(float)
    err = np.vstack([point - rows[f"{column}_lower"].to_numpy(float),
                     rows[f"{column}_upper"].to_numpy(float) - point])
    colours = ["#d55e00" if m == highlight else "#0072b2" for m in rows.index]
    for yi, p, lo, hi, c in zip(y, point, err[0], err[1], colours):
        ax.errorbar(p, yi, xerr=[[lo], [hi]], fmt="o", color=c, capsize=4, ms=5)
    if reference is not None:
        ax.axvline(reference, color="0.5", lw=1, ls="--")
    ax.set_yticks(y, rows.index)
    level = table.attrs.get("level", 0.95)
    ax.set_xlabel(xlabel or f"{column} with its {level:.0%} interval")
    if title:
        ax.set_title(title)
    return ax
