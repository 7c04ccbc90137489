"""Metrics for yes/no predictions: purchase intent and churn (lesson 09).

When positives are rare, ROC-AUC looks good for almost any model: it asks
how often a random positive outranks a random negative, and most negatives
are easy. PR-AUC (average precision) asks how clean the top of the ranking
is; a model that ranks at random gets the **base rate**, the share of
positives, not 0.5. Report all three side by side (Saito & Rehmsmeier 2015).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

CLASSIFICATION_COLUMNS = ["model", "ROC-AUC", "PR-AUC", "base rate", "PR-AUC lift",
                          "precision@top10%", "train_s"]


def _check(labels, scores):
    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=float)
    if labels.shape != scores.shape or labels.ndim != 1:
        raise ValueError("labels and scores must be 1-D and of the same length")
    if len(labels) == 0:
        raise ValueError("no cases to score")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    if not np.isfinite(scores).all():
        raise ValueError("scores contain NaN or infinite values")
    return labels.astype(int), scores


def roc_auc(labels, scores) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    from scipy.stats import rankdata

    labels, scores = _check(labels, scores)
    n_pos, n_neg = labels.sum(), (1 - labels).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)  # average ranks: ties count half
    return float((ranks[labels == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def pr_auc(labels, scores) -> float:
    """Average precision: the mean of the precision at the rank of each positive.

    Tied scores are treated as one threshold (as scikit-learn does).
    """
    labels, scores = _check(labels, scores)
    n_pos = labels.sum()
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    tp = np.cumsum(y)[last_of_tie]
    seen = (np.arange(1, len(y) + 1))[last_of_tie]
    precision = tp / seen
    recall_gain = np.diff(np.r_[0, tp]) / n_pos
    return float(np.sum(precision * recall_gain))


def weighted_aucs(labels, scores, weights) -> tuple[np.ndarray, np.ndarray]:
    """ROC-AUC and PR-AUC of one scoring under many weightings of the cases at once: two (r,) arrays.

    ``weights`` (r, n): in row i, case j counts ``weights[i, j]`` times, as
    in a bootstrap resample that drew it that often. Each row's values equal
    :func:`roc_auc` and :func:`pr_auc` on the cases repeated that many times
    (tested), with ties treated the same way; but the scores are sorted once
    for all rows, so a thousand resamples cost about as much as a few plain
    calls (the intervals of lessons 08 and 09, :func:`course_lib.evaluate.uncertainty.auc_intervals`).
    A row without positives (or, for ROC-AUC, without negatives) gives NaN.
    """
    labels, scores = _check(labels, scores)
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    if weights.shape[1] != len(labels):
        raise ValueError(f"weights have {weights.shape[1]} columns for {len(labels)} cases")
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order].astype(bool)
    last_of_tie = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    w = weights[:, order]
    tp = np.cumsum(np.where(y, w, 0.0), axis=1)[:, last_of_tie]   # positives at or above each threshold
    seen = np.cumsum(w, axis=1)[:, last_of_tie]
    fp = seen - tp
    new_tp = np.diff(tp, axis=1, prepend=0.0)
    new_fp = np.diff(fp, axis=1, prepend=0.0)
    n_pos, n_neg = tp[:, -1], fp[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(seen > 0, tp / np.where(seen > 0, seen, 1), 0.0)
        pr = np.where(n_pos > 0, (precision * new_tp).sum(axis=1) / n_pos, np.nan)
        # the ROC curve's trapezoids: each threshold's new negatives times the positives above
        # them, ties counting half (the Mann-Whitney statistic)
        roc = np.where((n_pos > 0) & (n_neg > 0),
                       (new_fp * (tp - new_tp / 2)).sum(axis=1) / (n_pos * n_neg), np.nan)
    return roc, pr


def precision_at_top(labels, scores, fraction: float = 0.1) -> float:
    """Share of positives among the ``fraction`` highest-scored cases (who you would contact).

    Cases tied with the last one taken count in proportion (the expected
    precision when ties are broken at random), so the order of the input
    never matters.
    """
    labels, scores = _check(labels, scores)
    n = max(1, int(round(fraction * len(labels))))
    cut = np.sort(scores)[::-1][n - 1]
    above, tied = scores > cut, scores == cut
    share_of_ties = (n - above.sum()) / tied.sum()
    return float((labels[above].sum() + share_of_ties * labels[tied].sum()) / n)


def classification_metrics(labels, scores) -> dict[str, float]:
    """ROC-AUC, PR-AUC, the base rate, PR-AUC divided by it, and precision in the top 10 %."""
    base = float(np.mean(np.asarray(labels, dtype=float)))
    pr = pr_auc(labels, scores)
    return {"ROC-AUC": roc_auc(labels, scores), "PR-AUC": pr, "base rate": base,
            "PR-AUC lift": pr / base if base > 0 else float("nan"),
            "precision@top10%": precision_at_top(labels, scores, 0.1)}


def classification_leaderboard(rows) -> pd.DataFrame:
    """Rows of ``{"model", metrics..., "train_s"}``, best PR-AUC first."""
    table = pd.DataFrame(rows)
    for column in CLASSIFICATION_COLUMNS:
        if column not in table:
            table[column] = np.nan
    return table[CLASSIFICATION_COLUMNS].sort_values("PR-AUC", ascending=False, ignore_index=True)
