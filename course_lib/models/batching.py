"""Predicting in batches of one fixed shape (lessons 04-07).

Keras on JAX compiles a model again for every new batch shape, and a smaller
last batch counts as one: pad it with zeros, predict, and cut the padding off.
"""
from __future__ import annotations

import keras
import numpy as np


def predict_in_fixed_batches(predict, X, batch_size: int) -> np.ndarray:
    """``predict(batch)`` over ``X`` in batches of exactly ``batch_size`` rows (float32 result)."""
    X = np.asarray(X)
    out = None
    for start in range(0, max(len(X), 1), batch_size):
        part = X[start:start + batch_size]
        n = len(part)
        if n < batch_size:
            part = np.concatenate([part, np.zeros((batch_size - n, *X.shape[1:]), X.dtype)])
        result = keras.ops.convert_to_numpy(predict(part))[:n]
        if out is None:
            out = np.empty((len(X), *result.shape[1:]), dtype="float32")
        out[start:start + n] = result
    return out
