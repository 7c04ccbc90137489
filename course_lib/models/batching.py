"""Batches of one fixed shape, for training and for predicting (lessons 04-09).

Keras on JAX compiles a model again for every new batch shape, and a smaller
last batch counts as one. The course's one rule: fill the last batch with
rows of zeros. In training those rows get weight 0, so they change nothing
but the shape; in prediction their outputs are cut off.
"""
from __future__ import annotations

import keras
import numpy as np


def pad_to_whole_batches(batch_size: int, *arrays):
    """``arrays`` (same length) with rows of zeros appended up to a multiple of ``batch_size``.

    Give the sample weights as one of the arrays: their appended rows are 0,
    so the padding adds nothing to the loss.
    """
    n = len(arrays[0])
    extra = (-n) % batch_size
    if not extra:
        return arrays
    return tuple(np.concatenate([a, np.zeros((extra, *a.shape[1:]), a.dtype)]) for a in arrays)


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
