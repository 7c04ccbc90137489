"""Uplift models: how much does the coupon change each customer's chance to buy? (lesson 09)

Both approaches use ordinary yes/no classifiers from scikit-learn
(logistic regression, or histogram gradient boosting) on one randomised
campaign (:class:`~course_lib.prep.uplift.CampaignData`):

* :class:`TwoModelUplift` (the **T-learner**): one classifier on the
  customers sent the coupon, one on those held out; the uplift is the
  difference of their predicted probabilities. Its two halves are also the
  two scores a shop often targets by by mistake: ``p_with`` (the response
  probability) and ``1 - p_without`` (the churn risk without a coupon).
* :class:`ClassTransformationUplift` (Jaskowski and Jaroszewicz 2012): one
  classifier on ``z = 1`` for treated buyers and held-out non-buyers. When
  both groups weigh the same, ``P(z=1 | x) = (1 + uplift(x)) / 2``; the
  groups are reweighted to equal weight, so an unequal split is fine.

``sequence=True`` adds the weekly activity sequence before the campaign
(orders, spend and visits per week, the churn task's sequence plus visits)
to the features, flattened for the classifier.
"""
from __future__ import annotations

import time

import numpy as np

BASES = ("logistic", "boosting")


def base_classifier(kind: str = "logistic", seed: int = 0):
    """A scikit-learn classifier with the case study's settings (lesson 09's churn models)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    if kind == "boosting":
        return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.05, max_leaf_nodes=8,
                                              min_samples_leaf=40, l2_regularization=1.0,
                                              early_stopping=False, random_state=seed)
    raise ValueError(f"base must be one of {BASES}, not {kind!r}")


def _fit(model, X, y, weight=None):
    from threadpoolctl import threadpool_limits

    # one thread for OpenMP (gradient boosting) and BLAS (logistic regression's solver): these
    # fits are small, and on a busy 2-core machine two spin-waiting BLAS threads made a
    # logistic regression of 2,000 customers 10x slower (0.07 s against 0.77 s)
    with threadpool_limits(1):
        if weight is None:
            return model.fit(X, y)
        last = model.steps[-1][0] if hasattr(model, "steps") else None
        key = f"{last}__sample_weight" if last else "sample_weight"
        return model.fit(X, y, **{key: weight})


def _proba(model, X):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return model.predict_proba(X)[:, 1]


class _UpliftModel:
    """Shared plumbing: the feature table, timing, and the name."""

    approach = ""

    def __init__(self, base: str = "logistic", sequence: bool = False, seed: int = 0):
        base_classifier(base)  # checks the name
        self.base, self.sequence, self.seed = base, sequence, seed
        self.name = f"{self.approach}, {base}" + (" + sequence" if sequence else "")

    def _X(self, data):
        table = data.with_sequence() if self.sequence else data.features
        if hasattr(self, "columns"):
            table = table[self.columns]
        return table.to_numpy(dtype=float)

    def get_params(self) -> dict:
        return {"base": self.base, "sequence": self.sequence, "seed": self.seed}

    def fit(self, data):
        start = time.perf_counter()
        table = data.with_sequence() if self.sequence else data.features
        self.columns = list(table.columns)
        if data.treatment.min() == data.treatment.max():
            raise ValueError("an uplift model needs both treated and held-out customers")
        self._fit(self._X(data), data.outcome, data.treatment)
        self.train_seconds = time.perf_counter() - start
        return self


class TwoModelUplift(_UpliftModel):
    """T-learner: P(buy | coupon, x) - P(buy | no coupon, x), one classifier per group."""

    approach = "two models"

    def _fit(self, X, y, t):
        self.with_ = _fit(base_classifier(self.base, self.seed), X[t == 1], y[t == 1])
        self.without_ = _fit(base_classifier(self.base, self.seed), X[t == 0], y[t == 0])

    def predict_outcomes(self, data) -> tuple[np.ndarray, np.ndarray]:
        """(P(buy without the coupon), P(buy with it)) per customer."""
        X = self._X(data)
        return _proba(self.without_, X), _proba(self.with_, X)

    def predict(self, data) -> np.ndarray:
        without, with_ = self.predict_outcomes(data)
        return with_ - without


class ClassTransformationUplift(_UpliftModel):
    """One classifier on z = treated buyers and held-out non-buyers; uplift = 2 P(z) - 1."""

    approach = "class transformation"

    def _fit(self, X, y, t):
        z = (y * t + (1 - y) * (1 - t)).astype(int)
        share = t.mean()
        weight = np.where(t == 1, 0.5 / share, 0.5 / (1 - share))  # both groups weigh the same
        self.model_ = _fit(base_classifier(self.base, self.seed), X, z, weight)

    def predict(self, data) -> np.ndarray:
        return 2 * _proba(self.model_, self._X(data)) - 1


def make_uplift_model(approach: str, base: str = "logistic", sequence: bool = False, seed: int = 0):
    """``approach``: ``"two models"`` (T-learner) or ``"class transformation"``."""
    kinds = {"two models": TwoModelUplift, "class transformation": ClassTransformationUplift}
    if approach not in kinds:
        raise ValueError(f"approach must be one of {list(kinds)}, not {approach!r}")
    return kinds[approach](base=base, sequence=sequence, seed=seed)
