"""Training from a prepared folder's shards, one shard in memory at a time (issue 18, lesson 10).

:class:`WindowBatches` is a ``keras.utils.PyDataset`` over the training
windows that ``course-lib prepare`` wrote: every batch has the same shape
``(batch_size, max_len)`` (the last batch of a shard is filled with zero-weight
rows, the course's one padding rule), so Keras on JAX compiles once; only
the shard being read is in memory, so memory does not grow with the data.
Each epoch visits the shards in a new seeded order and each shard's rows in
a new seeded order.

Several devices: wrap the fit in ``keras.distribution.DataParallel`` (each
batch is split across the devices, gradients are averaged). On several hosts
each process feeds its own part of every global batch:
``WindowBatches(..., process_index=i, process_count=n)`` reads every n-th shard,
and all processes take the same number of steps (the ones with less data add
zero-weight batches). README: "When your data outgrows one machine".
"""
from __future__ import annotations

import keras
import numpy as np


class WindowBatches(keras.utils.PyDataset):
    """``(X, Y, W)`` batches of a :class:`~course_lib.prep.prepared.PreparedData`'s training windows."""

    def __init__(self, prepared, batch_size: int, *, seed: int = 0, shuffle: bool = True,
                 process_index: int = 0, process_count: int = 1):
        super().__init__(workers=1, use_multiprocessing=False)
        self.prepared, self.batch_size = prepared, int(batch_size)
        self.seed, self.shuffle, self.epoch = seed, shuffle, 0
        rows = prepared.shard_rows("train")
        self.shards = [i for i in range(len(rows)) if rows[i] and i % process_count == process_index]
        self.rows = {i: rows[i] for i in self.shards}
        # every process must take the same number of steps: the one with fewer batches
        # adds batches of zero weight (each process reads the manifest, so all agree)
        self.steps = max(sum(-(-rows[i] // self.batch_size) for i in range(len(rows))
                             if i % process_count == p) for p in range(process_count))
        self._cached = (None, None)
        self._plan()

    def _plan(self) -> None:
        rng = np.random.default_rng([self.seed, self.epoch])
        order = list(rng.permutation(self.shards)) if self.shuffle else list(self.shards)
        self.plan = [(int(s), b) for s in order for b in range(-(-self.rows[s] // self.batch_size))]

    def __len__(self) -> int:
        return self.steps

    def _shard(self, index: int):
        if self._cached[0] != (index, self.epoch):
            _, X, Y = self.prepared.read_shard("train", index)
            if self.shuffle:
                order = np.random.default_rng([self.seed, self.epoch, index + 1]).permutation(len(X))
                X, Y = X[order], Y[order]
            self._cached = ((index, self.epoch), (X, Y))
        return self._cached[1]

    def __getitem__(self, i: int):
        if i >= len(self.plan):  # this process's share is done: a batch that changes nothing
            empty = np.zeros((self.batch_size, self.prepared.max_len), np.int32)
            return empty, empty.copy(), empty.astype("float32")
        shard, b = self.plan[i]
        X, Y = self._shard(shard)
        X = X[b * self.batch_size:(b + 1) * self.batch_size]
        Y = Y[b * self.batch_size:(b + 1) * self.batch_size]
        W = (Y > 0).astype("float32")
        missing = self.batch_size - len(X)
        if missing:  # whole batches only: zero-weight rows (one shape, one compilation)
            X = np.concatenate([X, np.zeros((missing, X.shape[1]), X.dtype)])
            Y = np.concatenate([Y, np.zeros((missing, Y.shape[1]), Y.dtype)])
            W = np.concatenate([W, np.zeros((missing, W.shape[1]), W.dtype)])
        return X, Y, W

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._plan()


def data_parallel(devices=None):
    """``keras.distribution.DataParallel`` over ``devices`` (default: every device Keras sees)."""
    devices = devices or keras.distribution.list_devices()
    return keras.distribution.DataParallel(devices=devices)
