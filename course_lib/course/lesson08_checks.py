"""Checkers for the exercises of lesson 08 (solutions/08_pretrained_behaviour_model.ipynb)."""
from __future__ import annotations

import math

import numpy as np

from course_lib.course.exercise import CORRECT, NOT_ATTEMPTED, WRONG, close, is_missing, report
from course_lib.evaluate.scaling import fit_power_law
from course_lib.prep.actions import gap_codes


def gap_buckets(answer, seconds) -> None:
    """08.1: the gap code of each gap in ``seconds`` (NaN: a user's first action)."""
    if is_missing(answer):
        return report("08.1", NOT_ATTEMPTED)
    expected = gap_codes(seconds)
    try:
        answer = np.asarray(answer, dtype=float).ravel()
    except (TypeError, ValueError):
        return report("08.1", WRONG, "hint: give one integer code per gap, e.g. a list.")
    if answer.shape != expected.shape:
        return report("08.1", WRONG, f"hint: one code per gap: {len(expected)} codes, not {answer.size}.")
    if np.array_equal(answer, expected):
        return report("08.1", CORRECT, "a gap exactly on an edge belongs to the bucket above it "
                                       "(`searchsorted(..., side='right')`).")
    if np.array_equal(answer, expected - 2) or np.array_equal(answer, expected - 1):
        return report("08.1", WRONG, "hint: codes 0 and 1 are taken (padding, first action): "
                                     "the first bucket is code 2.")
    edges = np.asarray([1, 60, 600, 3_600, 86_400, 7 * 86_400, 30 * 86_400], float)
    left = np.where(np.isnan(seconds), 1, 2 + np.searchsorted(edges, np.asarray(seconds, float), side="left"))
    if np.array_equal(answer, left):
        return report("08.1", WRONG, "hint: a gap equal to an edge (60 s) is *not* under a minute: "
                                     "it goes to the next bucket.")
    return report("08.1", WRONG, "hint: NaN -> 1; otherwise 2 + the number of edges at or below the gap.")


def training_pairs(answer, n_actions: int, max_len: int) -> None:
    """08.2: (input-target pairs, windows) next-action pretraining takes from one user's history."""
    if is_missing(answer):
        return report("08.2", NOT_ATTEMPTED)
    pairs = max(n_actions - 1, 0)
    expected = (pairs, math.ceil(pairs / max_len))
    try:
        got = tuple(int(v) for v in answer)
    except (TypeError, ValueError):
        return report("08.2", WRONG, "hint: answer with two numbers, (pairs, windows).")
    if got == expected:
        return report("08.2", CORRECT, "every action but the first is a target; a masked model "
                                       f"hiding 15 % would learn from about {round(0.15 * n_actions)}.")
    if got[0] == n_actions:
        return report("08.2", WRONG, "hint: the first action has no previous one to be predicted from: "
                                     "n - 1 pairs.")
    if got[0] == pairs:
        return report("08.2", WRONG, f"hint: the pairs are right; windows hold at most {max_len} pairs each "
                                     "(round up).")
    return report("08.2", WRONG, "hint: action t predicts action t + 1; cut the pairs into windows of max_len.")


def compute_factor(answer, flops, losses, reduction: float) -> None:
    """08.3: how many times more compute the fitted power law needs to lower the loss by ``reduction``."""
    if is_missing(answer):
        return report("08.3", NOT_ATTEMPTED)
    _, b = fit_power_law(flops, losses)
    expected = (1 - reduction) ** (1 / b)
    if close(answer, expected, rel=1e-2):
        return report("08.3", CORRECT, f"the exponent is {b:.3f}: a small exponent makes every "
                                       "percent of loss expensive.")
    if close(answer, (1 - reduction) ** b, rel=1e-2) or close(answer, (1 + reduction) ** (1 / abs(b)), rel=1e-2):
        return report("08.3", WRONG, "hint: loss ∝ C^b, so C ∝ loss^(1/b): raise the loss ratio to 1/b.")
    return report("08.3", WRONG, "hint: fit b on log-log axes (np.polyfit(log C, log loss, 1)), then "
                                 "the factor is (1 - reduction) ** (1 / b).")
