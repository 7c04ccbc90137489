"""Yes/no models on :class:`~course_lib.prep.labelled.Examples` (lesson 09).

All share ``fit(examples)`` and ``score(examples)`` (a higher score means
more likely positive), so the leaderboard treats them alike:

* :class:`RuleScore`: one feature as the score, the simplest baseline a
  shop would try first (carts so far; days since the last order);
* :class:`FeatureModel`: logistic regression or gradient boosting on the
  feature table (scikit-learn);
* :class:`SequenceClassifier`: a GRU over the step sequence (and the
  items, when the examples have them) joined with the same features, in Keras.
"""
from __future__ import annotations

import time

import keras
import numpy as np

from course_lib.models.batching import predict_in_fixed_batches
from course_lib.prep.sequences import ItemVocab


def _scale(sd):
    return np.where(sd > 1e-6, sd, 1.0).astype("float32")


class RuleScore:
    """A single feature as the score (``sign=-1`` when smaller means more likely)."""

    def __init__(self, feature: str, sign: int = 1, name: str | None = None):
        self.feature, self.sign = feature, sign
        self.name = name or f"rule: {'-' if sign < 0 else ''}{feature}"
        self.params = 0

    def fit(self, examples):
        self.train_seconds = 0.0
        return self

    def score(self, examples):
        return self.sign * examples.features[self.feature].to_numpy(dtype=float)


class FeatureModel:
    """``kind="logistic"`` (standardised features) or ``"boosting"`` (histogram gradient boosting)."""

    def __init__(self, kind: str = "logistic", seed: int = 0):
        if kind not in ("logistic", "boosting"):
            raise ValueError("kind must be 'logistic' or 'boosting'")
        self.kind, self.seed = kind, seed
        self.name = "logistic regression" if kind == "logistic" else "gradient boosting"

    def _make(self):
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        if self.kind == "logistic":
            return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_leaf_nodes=15,
                                              l2_regularization=1.0, early_stopping=False,
                                              random_state=self.seed)

    def fit(self, examples):
        from threadpoolctl import threadpool_limits

        start = time.perf_counter()
        self.columns = list(examples.features.columns)
        # one OpenMP thread: on a busy 2-core machine, two spin-waiting threads
        # made gradient boosting 20-50x slower (0.2 s alone, 10-18 s under load)
        with threadpool_limits(1, user_api="openmp"):
            self.model = self._make().fit(examples.features.to_numpy(), examples.label)
        self.train_seconds = time.perf_counter() - start
        self.params = (len(self.columns) + 1) if self.kind == "logistic" else \
            int(sum(t.get_n_leaf_nodes() for trees in self.model._predictors for t in trees))
        return self

    def score(self, examples):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, user_api="openmp"):
            return self.model.predict_proba(examples.features[self.columns].to_numpy())[:, 1]


def build_sequence_classifier(steps: int, step_features: int, n_features: int, *,
                              n_codes: int = 0, item_dim: int = 16, hidden: int = 32,
                              dropout: float = 0.2):
    """GRU over the steps (+ item embeddings), joined with the features, to one logit."""
    step_in = keras.Input((steps, step_features), name="steps")
    feat_in = keras.Input((n_features,), name="features")
    inputs, x = [step_in, feat_in], step_in
    if n_codes:
        item_in = keras.Input((steps,), dtype="int32", name="items")
        inputs.append(item_in)
        x = keras.layers.Concatenate()([x, keras.layers.Embedding(n_codes, item_dim)(item_in)])
    state = keras.layers.GRU(hidden, name="gru")(x)
    joined = keras.layers.Concatenate()([state, feat_in])
    joined = keras.layers.Dropout(dropout)(keras.layers.Dense(hidden, activation="relu")(joined))
    logit = keras.layers.Dense(1, name="logit")(joined)
    return keras.Model(inputs, logit, name="sequence_classifier")


class SequenceClassifier:
    """A GRU over each case's steps, plus its features (standardised), trained with log loss."""

    name = "GRU on the sequence + features"

    def __init__(self, hidden: int = 32, epochs: int = 10, batch_size: int = 256,
                 learning_rate: float = 3e-3, use_items: bool = True, seed: int = 0):
        self.hidden, self.epochs, self.batch_size = hidden, epochs, batch_size
        self.learning_rate, self.use_items, self.seed = learning_rate, use_items, seed

    def _inputs(self, examples):
        feats = (examples.features[self.columns].to_numpy(dtype="float32") - self.mean) / self.sd
        steps = ((examples.steps - self.step_mean) / self.step_sd).astype("float32")
        inputs = {"steps": steps, "features": feats.astype("float32")}
        if self.vocab is not None:
            raw = examples.items
            codes = self.vocab.encode(np.where(raw == None, "\x00pad", raw).ravel())  # noqa: E711
            inputs["items"] = codes.reshape(raw.shape).astype("int32")
        return inputs

    def fit(self, examples, progress: bool = False):
        start = time.perf_counter()
        keras.utils.set_random_seed(self.seed)
        self.columns = list(examples.features.columns)
        f = examples.features.to_numpy(dtype="float32")
        # a column constant in training gets scale 1, not 1e-6 (which would blow up at test time)
        self.mean, self.sd = f.mean(0), _scale(f.std(0))
        self.step_mean = examples.steps.mean((0, 1))
        self.step_sd = _scale(examples.steps.std((0, 1)))
        self.vocab = None
        if self.use_items and examples.items is not None:
            seen = examples.items[examples.items != None]  # noqa: E711
            self.vocab = ItemVocab(seen)
        n, t, s = examples.steps.shape
        self.model = build_sequence_classifier(
            t, s, len(self.columns), n_codes=self.vocab.size if self.vocab else 0, hidden=self.hidden)
        self.model.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                           loss=keras.losses.BinaryCrossentropy(from_logits=True))
        inputs = self._inputs(examples)
        self.model.fit(inputs, examples.label.astype("float32"), epochs=self.epochs,
                       batch_size=self.batch_size, shuffle=True, verbose=0)
        self.params = int(self.model.count_params())
        self.train_seconds = time.perf_counter() - start
        return self

    def score(self, examples):
        inputs = self._inputs(examples)
        names = list(inputs)
        stacked = [inputs[k] for k in names]
        n = len(examples)
        index = np.arange(n)
        logits = predict_in_fixed_batches(
            lambda idx: self.model({k: v[idx[:, 0]] for k, v in zip(names, stacked)}, training=False),
            index[:, None], 1024)
        return np.asarray(logits).reshape(n)[:n]
