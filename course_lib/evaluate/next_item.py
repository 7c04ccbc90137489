"""Evaluating next-item models under the shared protocol (lessons 05-09).

Every model scores every training item for every test prefix; the target's
rank counts ties against it (see :mod:`course_lib.evaluate.ranking`);
evaluation is batched and vectorised.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from course_lib.evaluate.ranking import (ranking_metrics, ranks_in_batches, sampled_target_ranks,
                                        target_ranks)

LEADERBOARD_COLUMNS = ["model", "HR@10", "HR@20", "MRR@20", "NDCG@10", "train_s", "predict_s", "params"]


def evaluate_model(model, X, y, batch_size: int = 2048) -> dict:
    """Full-ranking metrics of a fitted :class:`~course_lib.models.base.NextItemModel` on (X, y)."""
    start = time.perf_counter()
    ranks = ranks_in_batches(model.score, X, y, batch_size=batch_size)
    predict_s = time.perf_counter() - start
    metrics = ranking_metrics(ranks, ks=(10, 20))
    return {"model": model.name, **{k: metrics[k] for k in ("HR@10", "HR@20", "MRR@20", "NDCG@10")},
            "train_s": model.train_seconds, "predict_s": predict_s, "params": model.params}


def fit_and_evaluate(model, split, X, y, progress: bool = False) -> dict:
    """Fit on ``split.train`` (the model times itself), then evaluate on (X, y)."""
    model.fit(split.train, split.n_items, progress=progress)
    return evaluate_model(model, X, y)


def leaderboard(rows) -> pd.DataFrame:
    """Rows from :func:`evaluate_model`, best MRR@20 first."""
    table = pd.DataFrame(rows)[LEADERBOARD_COLUMNS]
    return table.sort_values("MRR@20", ascending=False, ignore_index=True)


def verdict(board: pd.DataFrame, baselines, metric: str = "MRR@20") -> str:
    """Which wins on ``board``, said plainly: the best model that is not one of ``baselines``
    against the best of ``baselines`` (lessons 05-10, the report)."""
    is_baseline = board["model"].isin(list(baselines))
    if is_baseline.all() or not is_baseline.any():
        best = board.loc[board[metric].idxmax()]
        return f"Best: {best['model']} ({metric} {best[metric]:.4f})."
    model = board[~is_baseline].loc[lambda t: t[metric].idxmax()]
    base = board[is_baseline].loc[lambda t: t[metric].idxmax()]
    change = model[metric] / base[metric] - 1 if base[metric] > 0 else np.inf
    if model[metric] > base[metric]:
        return (f"{model['model']} wins: {metric} {model[metric]:.4f} against {base[metric]:.4f} for the "
                f"best baseline, {base['model']} ({change:+.1%}).")
    return (f"The best baseline, {base['model']}, wins: {metric} {base[metric]:.4f} against "
            f"{model[metric]:.4f} for the best neural model, {model['model']} ({change:+.1%}).")


def tune(make_model, grid: list[dict], split, X, y, metric: str = "MRR@20") -> tuple[dict, pd.DataFrame]:
    """Try each parameter set on the *validation* split; return the best and the table."""
    rows = []
    for params in grid:
        result = fit_and_evaluate(make_model(**params), split, X, y)
        rows.append({**params, metric: result[metric], "train_s": result["train_s"]})
    best = grid[int(np.argmax([r[metric] for r in rows]))]
    table = pd.DataFrame(rows).sort_values(metric, ascending=False, ignore_index=True)
    return dict(best), table


def full_and_sampled(model, X, y, n_negatives: int = 100, k: int = 10, batch_size: int = 2048) -> dict:
    """HR@k with the full catalogue against HR@k among ``n_negatives`` sampled items (lesson 07)."""
    full, sampled = [], []
    for s in range(0, len(y), batch_size):
        scores = model.score(X[s:s + batch_size])
        targets = y[s:s + batch_size]
        full.append(target_ranks(scores, targets))
        sampled.append(sampled_target_ranks(scores, targets, n_negatives, seed=s))
    full, sampled = np.concatenate(full), np.concatenate(sampled)
    return {"model": model.name, f"HR@{k} full": float(np.mean(full <= k)),
            f"HR@{k} sampled ({n_negatives})": float(np.mean(sampled <= k))}


def breakdown(model, split, X, y, long_from: int = 5, k: int = 20, ranks=None) -> pd.DataFrame:
    """Error analysis (lesson 09): the model's MRR@k and HR@k on parts of the test.

    * **repeat** predictions, whose target already occurs in the prefix (a
      shopper going back to an item), against **new** ones;
    * predictions in **short** sessions (fewer than ``long_from`` items)
      against **long** ones. ``X, y`` must be ``split.test_prefixes(...)``.

    ``ranks``: the model's target ranks on (X, y) when they are known
    already ((predictions,) or (seeds, predictions)); else it scores them.
    """
    lengths = split.test.map(len).to_numpy()
    session_length = np.repeat(lengths, lengths - 1)
    if len(session_length) != len(y):
        raise ValueError("X, y must be split.test_prefixes(max_len) of the same split")
    ranks = np.asarray(ranks_in_batches(model.score, X, y) if ranks is None else ranks)
    repeat = (np.asarray(X) == np.asarray(y)[:, None]).any(axis=1)
    groups = {"repeat item": repeat, "new item": ~repeat,
              f"short session (<{long_from} items)": session_length < long_from,
              f"long session (>={long_from} items)": session_length >= long_from}
    rows = []
    for group, mask in groups.items():
        metrics = ranking_metrics(ranks[..., mask].ravel(), ks=(k,)) if mask.any() else {}
        rows.append({"model": model.name, "group": group, "share": float(mask.mean()),
                     f"MRR@{k}": metrics.get(f"MRR@{k}", np.nan), f"HR@{k}": metrics.get(f"HR@{k}", np.nan)})
    return pd.DataFrame(rows)
