"""Ranking metrics with full-catalogue ranking (lesson 00 on, used in 05-08).

Every model scores *every* item of the catalogue; the target's rank is
``1 + the number of other items scoring at least as high``. Ties count
against the target, so a model that gives many items the same score (say,
zero) gains nothing from the tie.
"""
from __future__ import annotations

import numpy as np


def target_ranks(scores, targets) -> np.ndarray:
    """Rank (1 = best) of each row's target among all columns of ``scores``.

    ``scores`` has shape (n, n_items); ``targets`` holds column indices.
    """
    scores = np.asarray(scores)
    targets = np.asarray(targets)
    target_scores = np.take_along_axis(scores, targets[:, None], axis=1)
    # count items other than the target scoring >= the target (the target counts itself once)
    return (scores >= target_scores).sum(axis=1)


def hit_rate_at_k(ranks, k: int) -> float:
    """Share of predictions whose target is in the top ``k`` (HR@K = Recall@K here)."""
    return float(np.mean(np.asarray(ranks) <= k))


def mrr_at_k(ranks, k: int) -> float:
    """Mean reciprocal rank, counting 0 for targets below rank ``k``."""
    ranks = np.asarray(ranks, dtype=float)
    return float(np.mean(np.where(ranks <= k, 1.0 / ranks, 0.0)))


def ndcg_at_k(ranks, k: int) -> float:
    """NDCG@K with one relevant item: ``1 / log2(rank + 1)`` inside the top ``k``."""
    ranks = np.asarray(ranks, dtype=float)
    return float(np.mean(np.where(ranks <= k, 1.0 / np.log2(ranks + 1.0), 0.0)))


def ranking_metrics(ranks, ks=(10, 20)) -> dict[str, float]:
    """HR, MRR and NDCG at each K, as one dict (a leaderboard row)."""
    out = {}
    for k in ks:
        out[f"HR@{k}"] = hit_rate_at_k(ranks, k)
        out[f"MRR@{k}"] = mrr_at_k(ranks, k)
        out[f"NDCG@{k}"] = ndcg_at_k(ranks, k)
    return out


def ranks_in_batches(score_fn, inputs, targets, batch_size: int = 4096) -> np.ndarray:
    """Target ranks for a model too large to score all inputs at once.

    ``score_fn(batch_inputs)`` returns an (n, n_items) score array.
    """
    targets = np.asarray(targets)
    out = np.empty(len(targets), dtype=np.int64)
    for s in range(0, len(targets), batch_size):
        out[s:s + batch_size] = target_ranks(score_fn(inputs[s:s + batch_size]),
                                             targets[s:s + batch_size])
    return out


def sampled_target_ranks(scores, targets, n_negatives: int = 100, seed: int = 0) -> np.ndarray:
    """Rank of the target among itself and ``n_negatives`` distinct random other items (lesson 07).

    This is the *sampled* protocol many papers used: it is shown to mislead
    (Krichene & Rendle, 2020), because beating 100 random items is easy and
    the ordering of models can change. The course reports full ranking; this
    function exists to show the difference. Ties count against the target.
    """
    scores = np.asarray(scores)
    targets = np.asarray(targets)
    rng = np.random.default_rng(seed)
    n_items = scores.shape[1] - 1  # column 0 is padding
    if n_negatives > n_items - 1:
        raise ValueError(f"{n_negatives} distinct negatives need more than {n_items} items")
    # n_negatives distinct items per row, none of them the target: the first n_negatives of a
    # random order of the other items (codes 1..n_items less the target)
    order = np.argpartition(rng.random((len(targets), n_items - 1)), n_negatives - 1, axis=1)
    negatives = order[:, :n_negatives] + 1
    negatives += negatives >= targets[:, None]  # skip the target itself
    target_scores = np.take_along_axis(scores, targets[:, None], axis=1)
    sampled = np.take_along_axis(scores, negatives, axis=1)
    return 1 + (sampled >= target_scores).sum(axis=1)
