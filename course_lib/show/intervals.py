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


def interval_view(table: pd.DataFrame, metrics=("HR@20", "MRR@20"), *, digits: int = 3,
                  extra=("train_s",)) -> pd.DataFrame:
    """A leaderboard with intervals, readable in a terminal or a Markdown page (``course-lib``, lesson 10).

    Each metric becomes ``"0.312 [0.301, 0.323]"``; with a baseline (the
    table's ``attrs``), ``MRR@20 vs B`` shows the relative difference and its
    interval, ``"+5.5 % [+3.1, +7.9] *"``, starred when the interval excludes 0;
    a multi-seed model's spread over seeds follows as ``± sd``.
    """
    rows = table.reset_index() if "model" not in table.columns else table
    out = pd.DataFrame({"model": rows["model"].to_numpy()})
    level = table.attrs.get("level", 0.95)
    for metric in metrics:
        if f"{metric}_lower" not in rows:
            out[metric] = rows[metric].map(lambda v: f"{v:.{digits}f}").to_numpy()
            continue
        cells = [f"{v:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
                 for v, lo, hi in zip(rows[metric], rows[f"{metric}_lower"], rows[f"{metric}_upper"])]
        if f"{metric}_seed_sd" in rows:
            cells = [c + (f" ± {sd:.{digits}f}" if np.isfinite(sd) else "")
                     for c, sd in zip(cells, rows[f"{metric}_seed_sd"])]
        out[f"{metric} ({level:.0%} CI)"] = cells
    baseline = table.attrs.get("baseline")
    if baseline is not None:
        for metric in metrics[-1:]:
            vs = f"{metric}_vs_{baseline}"
            if vs not in rows:
                continue

            def pct(x):
                return f"{100 * x:+.1f}"
            out[f"{metric} vs {baseline}"] = [
                "(baseline)" if m == baseline else
                f"{pct(d)} % [{pct(lo)}, {pct(hi)}]" + (" *" if ex else "")
                for m, d, lo, hi, ex in zip(rows["model"], rows[vs], rows[f"{vs}_lower"],
                                            rows[f"{vs}_upper"], rows[f"{vs}_excludes_0"])]
    for column in extra:
        if column in rows:
            values = rows[column]
            out[column] = (values.round(digits) if pd.api.types.is_float_dtype(values) else values).to_numpy()
    return out
