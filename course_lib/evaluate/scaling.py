"""Scaling curves: held-out quality of a pretrained model against its training compute (lesson 08).

HSTU (Zhai et al., ICML 2024) reports that the loss of generative
recommenders falls as a power law of training compute, ``loss = a * C^b``
(``b`` < 0), over three orders of magnitude. At laptop scale:

* :func:`heldout_next_action`: a behaviour model's cross-entropy on the next
  action's item, and its MRR@20, over every position of held-out users;
* :func:`compute_frontier`: the runs no cheaper run beats (the best quality
  bought so far at each compute);
* :func:`fit_power_law`: least squares on log-log axes, ``(a, b)``;
* :func:`local_exponents`: the slope between neighbouring frontier points,
  which says where a curve bends (a power law has one slope everywhere).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from course_lib.evaluate.ranking import target_ranks
from course_lib.models.batching import predict_in_fixed_batches
from course_lib.prep.actions import ActionLog, pretraining_windows


def heldout_next_action(model, log: ActionLog, batch_size: int = 256, k: int = 20) -> dict[str, float]:
    """Item cross-entropy (nats) and MRR@k of the next action at every position of ``log``'s users.

    ``log`` must use ``model``'s vocabulary (``action_log(events, vocab=model.vocab)``);
    targets on items the model does not know are left out, as in pretraining.
    """
    x, y, w = pretraining_windows(log, model.max_len)
    stacked = np.stack([x["items"], x["events"], x["gaps"]], axis=1).astype(np.int32)
    logits = predict_in_fixed_batches(
        lambda part: model.network.predict_on_batch(
            {"items": part[:, 0], "events": part[:, 1], "gaps": part[:, 2]})["item"],
        stacked, batch_size)
    keep = w["item"].ravel() > 0
    scores = logits.reshape(-1, logits.shape[-1])[keep].astype("float64")
    targets = y["item"].ravel()[keep]
    scores[:, 0] = -np.inf                                   # padding is never a next item
    top = scores.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(scores - top).sum(axis=1)) + top[:, 0]
    loss = float(np.mean(log_norm - scores[np.arange(len(targets)), targets]))
    ranks = target_ranks(scores, targets)
    mrr = float(np.mean(np.where(ranks <= k, 1.0 / ranks, 0.0)))
    return {"item_loss": loss, f"MRR@{k}": mrr, "heldout_targets": int(len(targets))}


def compute_frontier(table: pd.DataFrame, x: str, y: str, lower_is_better: bool = True) -> pd.DataFrame:
    """Rows of ``table`` (sorted by ``x``) whose ``y`` beats every row with a smaller ``x``."""
    ordered = table.sort_values(x, kind="stable")
    values = ordered[y].to_numpy(float) * (1 if lower_is_better else -1)
    best = np.minimum.accumulate(values)
    is_new = np.concatenate([[True], values[1:] < best[:-1]])
    return ordered[is_new]


def fit_power_law(x, y) -> tuple[float, float]:
    """``(a, b)`` of ``y = a * x^b`` by least squares on log-log axes (all values positive)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or (x <= 0).any() or (y <= 0).any():
        raise ValueError("a power law needs two or more points with positive x and y")
    b, log_a = np.polyfit(np.log(x), np.log(y), 1)
    return float(np.exp(log_a)), float(b)


def local_exponents(x, y) -> np.ndarray:
    """The log-log slope between each pair of neighbouring points (one fewer than the points)."""
    x, y = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    return np.diff(y) / np.diff(x)
