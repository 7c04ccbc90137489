"""Label efficiency: how a model's test quality grows with the share of labels it trains on (lesson 08).

Pretraining is meant to pay most when labels are scarce. The curve trains
each model on 1 %, 10 % and 100 % of the labelled training cases (the same
random subsets for every model, drawn again for each repeat, always with
both outcomes) and scores the whole test set. Small subsets vary a lot from
draw to draw, so they are drawn several times and the spread is reported.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score


def label_subsets(labels, fraction: float, repeats: int, seed: int = 0) -> list[np.ndarray]:
    """``repeats`` random row subsets holding ``fraction`` of ``labels`` (at least one of each
    outcome); the whole set once when ``fraction`` is 1."""
    labels = np.asarray(labels).astype(int)
    if fraction >= 1:
        return [np.arange(len(labels))]
    rng = np.random.default_rng([seed, int(round(fraction * 1e6))])
    size = max(2, int(round(fraction * len(labels))))
    subsets = []
    while len(subsets) < repeats:
        rows = np.sort(rng.choice(len(labels), size=size, replace=False))
        if 0 < labels[rows].sum() < size:
            subsets.append(rows)
    return subsets


def label_efficiency(models: Mapping[str, Callable[[np.ndarray], np.ndarray]], train_labels, test_labels,
                     fractions: Sequence[float] = (0.01, 0.1, 1.0), repeats: int = 5, seed: int = 0,
                     metric: Callable = average_precision_score, metric_name: str = "PR-AUC") -> pd.DataFrame:
    """One row per (model, fraction, repeat): ``models[name](rows)`` trains on training rows
    ``rows`` and returns scores for the whole test set."""
    rows = []
    for fraction in fractions:
        for repeat, subset in enumerate(label_subsets(train_labels, fraction, repeats, seed)):
            for name, fit_and_score in models.items():
                rows.append({"model": name, "fraction": fraction, "labels": len(subset), "repeat": repeat,
                             metric_name: float(metric(test_labels, fit_and_score(subset)))})
    return pd.DataFrame(rows)


def efficiency_summary(table: pd.DataFrame, metric: str = "PR-AUC") -> pd.DataFrame:
    """Mean, lowest and highest ``metric`` over the repeats, per model and fraction."""
    return (table.groupby(["model", "fraction"], sort=False)
            .agg(labels=("labels", "first"), mean=(metric, "mean"), low=(metric, "min"),
                 high=(metric, "max"), repeats=(metric, "size")).reset_index())
