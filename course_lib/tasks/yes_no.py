"""Yes/no tasks (purchase intent, churn): fit, score, leaderboard, figure (lesson 09, ``course-lib``).

The metrics come from scikit-learn (``roc_auc_score``, ``average_precision_score``);
lesson 09 teaches them with the course's own functions in
:mod:`course_lib.evaluate.classification`, which the tests check against
scikit-learn's. Beside them: the base rate, PR-AUC's lift over it, and the
precision among the 10 % scored highest.

Every PR-AUC and ROC-AUC gets a 95 % interval from a paired bootstrap over
the test cases, which are the independent units (a session for purchase
intent, a customer for churn: one case each), and each model's difference
to the rule it must beat (the task's simple baseline) gets an interval of
its own (:func:`course_lib.evaluate.uncertainty.auc_intervals`).
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from tqdm.auto import tqdm

from course_lib.evaluate.classification import classification_leaderboard, precision_at_top
from course_lib.evaluate.uncertainty import auc_intervals, percent, vs_column, with_intervals
from course_lib.prep.labelled import Examples
from course_lib.show.plots import plot_metric_bars
from course_lib.tasks.results import YesNoResult


def yes_no_metrics(labels, scores) -> dict[str, float]:
    """ROC-AUC, PR-AUC (scikit-learn), the base rate, PR-AUC's lift over it, precision@top10%."""
    labels = np.asarray(labels, dtype=int)
    base = float(labels.mean())
    pr = float(average_precision_score(labels, scores))
    return {"ROC-AUC": float(roc_auc_score(labels, scores)), "PR-AUC": pr, "base rate": base,
            "PR-AUC lift": pr / base if base > 0 else float("nan"),
            "precision@top10%": precision_at_top(labels, scores, 0.1)}


#: the metrics that get intervals, computed for every resample at once by the course's own
#: implementation (it agrees with scikit-learn's, tests/test_tasks.py and tests/test_uncertainty.py)
INTERVAL_METRICS = ("ROC-AUC", "PR-AUC")
RESAMPLES = 1000


def classification_board(models, train: Examples, test: Examples, progress: bool = True,
                         scores: dict | None = None):
    """Fit each yes/no model on ``train``, score ``test``: the leaderboard, best PR-AUC first.

    ``scores``: a dict that receives each model's test scores (for the intervals).
    """
    rows = []
    for model in tqdm(models, desc="models", disable=not progress):
        model.fit(train)
        score = model.score(test)
        if scores is not None:
            scores[model.name] = np.asarray(score, dtype=float)
        rows.append({"model": model.name, **yes_no_metrics(test.label, score),
                     "train_s": model.train_seconds})
    return classification_leaderboard(rows)


def board_with_intervals(board, labels, scores: dict, baseline: str | None, *, units=None,
                         n_resamples: int = RESAMPLES, seed: int = 0):
    """``board`` with 95 % intervals of ROC-AUC and PR-AUC (paired bootstrap over ``units``,
    default: each test case its own unit) and each model's difference to ``baseline``."""
    ivs = auc_intervals(np.asarray(labels, dtype=int), {m: scores[m] for m in board["model"]}, units,
                        metrics=INTERVAL_METRICS, baseline=baseline, n_resamples=n_resamples, seed=seed)
    out = with_intervals(board, ivs)
    out.attrs.update(n_units=len(labels) if units is None else len(np.unique(units)))
    return out


def interval_sentence(board, metric: str = "PR-AUC", what: str = "cases") -> str:
    """The highest ``metric`` on the test with its interval, and whether it beats the rule."""
    best = board.iloc[0] if metric == "PR-AUC" else board.loc[board[metric].idxmax()]
    text = (f"Highest {metric} on the test: {best['model']}, {best[metric]:.3f} (95 % CI "
            f"{best[metric + '_lower']:.3f} to {best[metric + '_upper']:.3f}) against a base rate of "
            f"{best['base rate']:.3f} (ROC-AUC {best['ROC-AUC']:.3f}).")
    baseline = board.attrs.get("baseline")
    if baseline is None or best["model"] == baseline:
        return text + (f" The simple rule ({baseline}) is the best here." if baseline else "")
    vs = vs_column(metric, baseline)
    ci = f"95 % CI {percent(best[vs + '_lower'])} … {percent(best[vs + '_upper'])}"
    n = board.attrs.get("n_units")
    over = f" over {n:,} test {what}" if n else ""
    if best[vs + "_excludes_0"]:
        return text + f" Against the simple rule ({baseline}): {percent(best[vs])} {metric}, {ci}{over}."
    return (text + f" It cannot be told apart from the simple rule ({baseline}) on this test{over}: "
            f"{percent(best[vs])} {metric}, {ci}.")


def too_few(train: Examples, test: Examples, min_cases: int, sides=("in training", "in the test")) -> str | None:
    """Why the cases cannot be learnt and judged (fewer than ``min_cases`` on a side of the cut,
    or a side with one outcome only), as a sentence naming the side; ``None`` if they can."""
    for side, cases in zip(sides, (train, test)):
        if len(cases) < min_cases:
            return (f"{cases.describe()} {side}, and at least {min_cases} are needed on each side of "
                    "the cut (min_cases=)")
    for side, cases in zip(sides, (train, test)):
        if len(set(cases.label)) < 2:
            outcome = "positive" if cases.label.all() else "negative"
            return (f"all {len(cases):,} {cases.what} {side} are {outcome}: each side of the cut "
                    "needs both outcomes")
    return None


def yes_no_result(result: YesNoResult, models, train: Examples, test: Examples, title: str,
                  progress: bool) -> YesNoResult:
    """Leaderboard with intervals, PR-AUC figure against the base rate, the best model in one
    sentence with its interval and its difference to the rule (the first model, a simple rule)."""
    scores = {}
    board = classification_board(models, train, test, progress, scores=scores)
    baseline = models[0].name if str(models[0].name).startswith("rule") else None
    board = board_with_intervals(board, test.label, scores, baseline)
    result.tables = {f"{result.name}_leaderboard": board}
    ax = plot_metric_bars(board, "PR-AUC", title=title, reference=test.base_rate,
                          reference_label="base rate")
    ax.figure.tight_layout()
    result.figures[f"{result.name}_pr_auc"] = ax.figure
    result.notes.append(interval_sentence(board, "PR-AUC", test.what))
    result.train, result.test, result.leaderboard = train, test, board
    return result
