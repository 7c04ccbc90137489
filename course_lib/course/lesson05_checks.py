"""Checkers for the exercises of lesson 05 (solutions/05_lstm_gru_next_item.ipynb)."""
from __future__ import annotations

import numpy as np

from course_lib.evaluate.ranking import target_ranks
from course_lib.evaluate.uncertainty import ranking_intervals
from course_lib.models.cells import lstm_forward, sigmoid
from course_lib.course.exercise import (CORRECT, NOT_ATTEMPTED, WRONG, against_baseline, answer_set, close,
                                        is_missing, report, whole_number)


def lstm_step(answer, x, W, U, b) -> None:
    """05.1: h_1 of an LSTM after one step from zero state."""
    if is_missing(answer):
        return report("05.1", NOT_ATTEMPTED)
    expected = lstm_forward(x[None, None, :], W, U, b)[0, 0]
    if close(answer, expected, rel=1e-5, abs_=1e-7):
        return report("05.1", CORRECT, "the same numbers as lstm_forward (and Keras).")
    units = U.shape[0]
    z = x @ W + b
    i, f, o = sigmoid(z[:units]), sigmoid(z[units:2 * units]), sigmoid(z[3 * units:])
    article = o * sigmoid(i * sigmoid(z[2 * units:3 * units]))
    wrong_candidate = o * np.tanh(i * sigmoid(z[2 * units:3 * units]))
    if close(answer, wrong_candidate, rel=1e-5) or close(answer, article, rel=1e-5):
        return report("05.1", WRONG, "hint: the candidate g uses tanh, not σ (the source "
                                     "article's mistake); only the gates use σ.")
    if close(answer, i * np.tanh(z[2 * units:3 * units]), rel=1e-5):
        return report("05.1", WRONG, "hint: that is the cell c_1; h_1 = o ⊙ tanh(c_1).")
    return report("05.1", WRONG, "hint: the gates are stacked i, f, c, o in W's columns; with "
                                 "h_0 = c_0 = 0: c_1 = i ⊙ g and h_1 = o ⊙ tanh(c_1).")


def rank_with_ties(answer, scores, target: int) -> None:
    """05.2: the target's rank when ties count against it."""
    if is_missing(answer):
        return report("05.2", NOT_ATTEMPTED)
    scores = np.asarray(scores, float)
    expected = int(target_ranks(scores[None, :], np.array([target]))[0])
    if close(answer, expected):
        return report("05.2", CORRECT, "ties count against the target, so equal scores buy nothing.")
    optimistic = 1 + int((scores > scores[target]).sum())
    if close(answer, optimistic):
        return report("05.2", WRONG, "hint: that is the optimistic rank; items with the *same* "
                                     "score as the target count against it too.")
    return report("05.2", WRONG, "hint: rank = 1 + the number of *other* items scoring at "
                                 "least as high as the target.")


def most_frequent_successor(answer, sessions, item: int) -> None:
    """05.3: the item that most often follows ``item`` in the training sessions."""
    if is_missing(answer):
        return report("05.3", NOT_ATTEMPTED)
    follows = np.concatenate([s[1:][s[:-1] == item] for s in sessions])
    counts = np.bincount(follows)
    best = set(np.flatnonzero(counts == counts.max()))
    given = whole_number(answer)
    if given is None:
        return report("05.3", WRONG, "hint: answer with the item's id, a whole number.")
    if given in best:
        return report("05.3", CORRECT, "this is what the Markov baseline recommends first.")
    preceding = np.concatenate([s[:-1][s[1:] == item] for s in sessions])
    if len(preceding) and given == int(np.bincount(preceding).argmax()):
        return report("05.3", WRONG, "hint: that item most often comes *before* it; look at "
                                     "what comes after.")
    return report("05.3", WRONG, "hint: for each session s, s[1:][s[:-1] == item] are the items "
                                 "that followed it; count them.")


def better_than_baseline(answer, ranks, units, baseline: str) -> None:
    """05.4: the models whose MRR@20 beats ``baseline``'s with a paired 95 % interval (over test
    sessions) above 0."""
    if is_missing(answer):
        return report("05.4", NOT_ATTEMPTED)
    table = ranking_intervals(ranks, units, metrics=("MRR@20",), baseline=baseline)
    vs = f"MRR@20_vs_{baseline}"
    expected, higher_point, worse = against_baseline(table, baseline, vs, higher_is_better=True)
    given = answer_set(answer)
    if given is None:
        return report("05.4", WRONG, "hint: give a list of model names, e.g. ['A'] (or [] for none).")
    if given == expected:
        return report("05.4", CORRECT, "a model beats the baseline only where the whole interval of "
                                       "the paired difference lies above 0.")
    unsure = sorted((given - expected) & higher_point)
    if unsure:
        return report("05.4", WRONG, f"hint: {', '.join(unsure)} has a higher MRR@20, but the interval of "
                                     f"its difference to {baseline} contains 0: these test sessions cannot "
                                     "tell them apart.")
    if given & worse:
        return report("05.4", WRONG, f"hint: a negative {vs} means a lower MRR@20 than {baseline}: worse, "
                                     "not better.")
    if not given or given < expected:
        return report("05.4", WRONG, "hint: the models' own intervals overlap because they share the hard "
                                     f"sessions; read the paired difference ({vs}) instead.")
    return report("05.4", WRONG, f"hint: keep the models whose {vs}_lower is above 0.")
