"""Checkers for the exercises of lesson 07 (solutions/07_attention_sequence_models.ipynb)."""
from __future__ import annotations

import numpy as np

from course_lib.course.exercise import CORRECT, NOT_ATTEMPTED, WRONG, close, is_missing, report, whole_number


def _weights(q, k, causal):
    scores = q @ k.T / np.sqrt(q.shape[-1])
    if causal:
        scores = np.where(np.tril(np.ones(scores.shape, bool)), scores, -np.inf)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def attention_row(answer, q, k, row: int) -> None:
    """07.1: the causal attention weights of query ``row``."""
    if is_missing(answer):
        return report("07.1", NOT_ATTEMPTED)
    expected = _weights(q, k, True)[row]
    answer = np.asarray(answer, float)
    if close(answer, expected, rel=1e-5, abs_=1e-8):
        return report("07.1", CORRECT, "the weights after the query's own position are exactly 0.")
    if close(answer, _weights(q, k, False)[row], rel=1e-5):
        return report("07.1", WRONG, "hint: apply the causal mask: positions after the query get "
                                     "weight 0 (a score of −∞ before the softmax).")
    unscaled = q @ k.T
    unscaled = np.where(np.tril(np.ones(unscaled.shape, bool)), unscaled, -np.inf)[row]
    e = np.exp(unscaled - unscaled.max())
    if close(answer, e / e.sum(), rel=1e-5):
        return report("07.1", WRONG, "hint: divide the scores by sqrt(d_k) before the softmax.")
    return report("07.1", WRONG, "hint: scores = q k^T / sqrt(d); mask the future; softmax the row.")


def sampled_rank(answer, scores, target: int, negatives) -> None:
    """07.2: the target's rank among itself and the sampled negatives (ties against it)."""
    if is_missing(answer):
        return report("07.2", NOT_ATTEMPTED)
    scores = np.asarray(scores, float)
    expected = 1 + int((scores[np.asarray(negatives)] >= scores[target]).sum())
    if close(answer, expected):
        full = 1 + int((np.delete(scores, target) >= scores[target]).sum())
        return report("07.2", CORRECT, f"against the full catalogue the rank is {full}.")
    if close(answer, 1 + int((np.delete(scores, target) >= scores[target]).sum())):
        return report("07.2", WRONG, "hint: that is the full-catalogue rank; count only the sampled items.")
    return report("07.2", WRONG, "hint: 1 + the number of sampled items scoring at least as high.")


def embedding_parameters(answer, n_codes: int, max_len: int, dim: int) -> None:
    """07.3: parameters of SASRec's item and position embeddings."""
    if is_missing(answer):
        return report("07.3", NOT_ATTEMPTED)
    expected = n_codes * dim + max_len * dim
    given = whole_number(answer)
    if given is None:
        return report("07.3", WRONG, "hint: a number of parameters is a whole number.")
    if given == expected:
        return report("07.3", CORRECT, "the item table dominates: it grows with the catalogue.")
    if given == n_codes * dim:
        return report("07.3", WRONG, "hint: add the position embeddings (one vector per position).")
    return report("07.3", WRONG, "hint: one dim-sized vector per item code and one per position.")


