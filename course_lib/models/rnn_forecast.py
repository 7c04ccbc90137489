"""A small recurrent forecaster of a daily series (lesson 04, and 09's leaderboard).

It reads the last ``window`` values (log-transformed and standardised on the
training window) and outputs the next ``horizon`` values at once (a *direct*
multi-step forecast). It has the same ``fit``/``predict`` interface as the
ARMA family, so lesson 03's rolling-origin evaluator treats it alike.

Speed on a 2-core CPU: the Keras model is built and compiled once per
configuration and only its weights and optimizer are reset for each origin;
every batch has the same shape, so nothing is compiled twice. Each origin's
fit starts from the same weights, a fresh optimizer and the model's own seed,
so a forecast depends on the seed and the data only, not on which models or
origins were fitted before it.
"""
from __future__ import annotations

from statistics import NormalDist

import keras
import numpy as np
import pandas as pd

from course_lib.models.base import TrainingStart
from course_lib.models.batching import pad_to_whole_batches, predict_in_fixed_batches
from course_lib.models.forecasters import Forecaster


class RNNForecast(Forecaster):
    """GRU (or simple RNN) over a sliding window, direct multi-step output."""

    key = "rnn"

    _compiled: dict = {}  # configuration -> (model, its TrainingStart), shared by copies

    def __init__(self, window: int = 12, horizon: int = 6, units: int = 16, cell: str = "gru",
                 epochs: int = 60, batch_size: int = 32, learning_rate: float = 3e-3,
                 log: bool = True, seed: int = 0, name: str | None = None):
        self.window, self.horizon, self.units, self.cell = window, horizon, units, cell
        self.epochs, self.batch_size, self.learning_rate = epochs, batch_size, learning_rate
        self.log, self.seed = log, seed
        self.name = name or f"{'GRU' if cell == 'gru' else 'RNN'}({units}) window {window}"

    def _model(self):
        key = (self.window, self.horizon, self.units, self.cell, self.learning_rate, self.seed)
        if key not in self._compiled:
            keras.utils.set_random_seed(self.seed)
            layer = {"gru": keras.layers.GRU, "simple": keras.layers.SimpleRNN}[self.cell]
            model = keras.Sequential([keras.Input((self.window, 1)), layer(self.units),
                                      keras.layers.Dense(self.horizon)])
            model.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss="mse")
            self._compiled[key] = (model, TrainingStart(model))
        return self._compiled[key]

    def _windows(self, z):
        n = len(z) - self.window - self.horizon + 1
        idx = np.arange(self.window)[None, :] + np.arange(n)[:, None]
        X = z[idx][..., None]
        Y = z[np.arange(self.horizon)[None, :] + np.arange(n)[:, None] + self.window]
        return X.astype("float32"), Y.astype("float32")

    def fit(self, y, exog=None):
        y = np.asarray(y, float)
        z = np.log1p(y) if self.log else y
        self.mean, self.std = float(z.mean()), float(z.std() or 1.0)
        z = (z - self.mean) / self.std
        X, Y = self._windows(z)
        if len(X) < 2:
            raise ValueError(f"need more than window + horizon = {self.window + self.horizon} values")
        # every epoch in its own order, from the model's own stream (the same at every origin; Keras's
        # shuffling draws from the global one, which a first fit also uses for other things), padded
        # to whole batches with zero-weight rows (one compiled shape); the epochs in a row, fitted as one
        order = np.random.default_rng(self.seed)
        weight = np.ones(len(X), "float32")
        epochs = [pad_to_whole_batches(self.batch_size, X[i], Y[i], weight[i])
                  for i in (order.permutation(len(X)) for _ in range(self.epochs))]
        Xb, Yb, W = (np.concatenate(part) for part in zip(*epochs))
        model, start = self._model()
        start.restore()
        model.fit(Xb, Yb, sample_weight=W, batch_size=self.batch_size, epochs=1, verbose=0, shuffle=False)
        fitted = self._predict_scaled(model, X)
        self.step_sd = (Y - fitted).std(axis=0)  # in-sample spread of each step's error
        self.last = z[-self.window:]
        self._weights = model.get_weights()
        return self

    def _predict_scaled(self, model, X):
        return predict_in_fixed_batches(lambda part: model(part, training=False), X, self.batch_size)

    def predict(self, h, exog_future=None, level=0.95):
        if h > self.horizon:
            raise ValueError(f"this model forecasts {self.horizon} steps, not {h}")
        model, _ = self._model()
        model.set_weights(self._weights)
        mean = self._predict_scaled(model, self.last[None, :, None].astype("float32"))[0][:h]
        z = NormalDist().inv_cdf(0.5 + level / 2)
        sd = self.step_sd[:h]
        frame = pd.DataFrame({"mean": mean, "lower": mean - z * sd, "upper": mean + z * sd},
                             index=pd.RangeIndex(1, h + 1, name="step"))
        frame = frame * self.std + self.mean
        return np.expm1(frame) if self.log else frame
