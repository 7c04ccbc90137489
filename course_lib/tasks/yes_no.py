"""Yes/no tasks (purchase intent, churn): fit, score, leaderboard, figure (lesson 09, ``course-lib``).

The metrics come from scikit-learn (``roc_auc_score``, ``average_precision_score``);
lesson 09 teaches them with the course's own functions in
:mod:`course_lib.evaluate.classification`, which the tests check against
scikit-learn's. Beside them: the base rate, PR-AUC's lift over it, and the
precision among the 10 % scored highest.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from tqdm.auto import tqdm

from course_lib.evaluate.classification import classification_leaderboard, precision_at_top
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


def classification_board(models, train: Examples, test: Examples, progress: bool = True):
    """Fit each yes/no model on ``train``, score ``test``: the leaderboard, best PR-AUC first."""
    rows = []
    for model in tqdm(models, desc="models", disable=not progress):
        model.fit(train)
        rows.append({"model": model.name, **yes_no_metrics(test.label, model.score(test)),
                     "train_s": model.train_seconds})
    return classification_leaderboard(rows)


def too_few(train: Examples, test: Examples, min_cases: int) -> bool:
    """Fewer than ``min_cases`` on either side of the cut, or one side without both outcomes."""
    return (min(len(train), len(test)) < min_cases or len(set(train.label)) < 2
            or len(set(test.label)) < 2)


def yes_no_result(result: YesNoResult, models, train: Examples, test: Examples, title: str,
                  progress: bool) -> YesNoResult:
    """Leaderboard, PR-AUC figure against the base rate, and the best model in one sentence."""
    board = classification_board(models, train, test, progress)
    result.tables = {f"{result.name}_leaderboard": board}
    ax = plot_metric_bars(board, "PR-AUC", title=title, reference=test.base_rate,
                          reference_label="base rate")
    ax.figure.tight_layout()
    result.figures[f"{result.name}_pr_auc"] = ax.figure
    best = board.iloc[0]
    result.notes.append(f"Best: {best['model']} with PR-AUC {best['PR-AUC']:.3f} against a base rate "
                        f"of {best['base rate']:.3f} (ROC-AUC {best['ROC-AUC']:.3f}).")
    result.train, result.test, result.leaderboard = train, test, board
    return result
