"""The next-item model contract, and the Keras base class of the neural models (lessons 05-08).

Every next-item model, from popularity to SR-GNN, keeps one contract,
:class:`NextItemModel`, so that evaluation, tuning, the leaderboards and the
command line treat them all alike:

* ``fit(sessions, n_items, progress=False)`` learns from training sessions
  (int arrays of item codes 1..n_items in time order) and returns the model;
  it measures its own ``train_seconds`` and sets ``params``;
* ``score(X)`` scores every item for left-padded prefixes ``X`` of shape
  (n, max_len): an array (n, n_items + 1) whose column 0 (padding) is -inf;
* ``name`` is the model's stable key (``gru4rec``, ``sknn``...), never a
  hyper-parameter; ``get_params()`` returns the hyper-parameters.

:class:`KerasNextItemModel` holds everything the Keras models share, written
once: seeds, training examples padded to whole batches by zero-weight rows
(one batch shape, one compilation), the loss and optimiser, progress, timing,
extra Keras callbacks, and prediction in batches of one shape. A model
supplies only its networks (:meth:`KerasNextItemModel.build`) and, where it
differs, its training examples and network inputs.
"""
from __future__ import annotations

import inspect
import time
from typing import Protocol, runtime_checkable

import keras
import numpy as np
from tqdm.keras import TqdmCallback

from course_lib.models.batching import pad_to_whole_batches, predict_in_fixed_batches
from course_lib.prep.next_item import training_windows

PAD_SCORE = -np.inf  # the score of code 0 (padding): never recommended


@runtime_checkable
class NextItemModel(Protocol):
    """What every next-item model offers (baselines and neural models alike)."""

    name: str             # the stable registry key: pop, markov, sknn, gru4rec, lstm, sasrec, srgnn
    params: int           # parameters / stored entries after fit
    train_seconds: float  # set by fit itself

    def fit(self, sessions, n_items: int, *, progress: bool = False) -> "NextItemModel": ...

    def score(self, X) -> np.ndarray: ...

    def get_params(self) -> dict: ...


class NextItemBase:
    """Shared by the course's next-item models: ``fit`` timed, ``get_params``, a readable repr.

    A subclass implements ``_fit(sessions, n_items, progress=...)`` and
    ``score(X)``, and stores each constructor argument under its own name.
    """

    name = "model"
    params = 0
    train_seconds = float("nan")

    def fit(self, sessions, n_items: int, *, progress: bool = False, **options):
        """Learn from ``sessions``; sets ``train_seconds`` and ``params``; returns the model."""
        start = time.perf_counter()
        self._fit(sessions, n_items, progress=progress, **options)
        self.train_seconds = time.perf_counter() - start
        return self

    def _fit(self, sessions, n_items: int, *, progress: bool = False):
        raise NotImplementedError

    def score(self, X) -> np.ndarray:
        raise NotImplementedError

    def get_params(self) -> dict:
        """The constructor's arguments, as this model holds them."""
        signature = inspect.signature(type(self).__init__)
        return {name: getattr(self, name) for name, p in signature.parameters.items()
                if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def clone(model, **changes):
    """A new, unfitted model like ``model``, with ``changes`` to its hyper-parameters.

    For tuning and for several seeds: ``[clone(gru, seed=s) for s in range(3)]``.
    """
    return type(model)(**{**model.get_params(), **changes})


class KerasNextItemModel(NextItemBase):
    """Base class of the Keras next-item models: GRU/LSTM, SASRec, SR-GNN (lessons 05-07).

    Training: every example predicts its target(s) with full-softmax
    cross-entropy (Adam, ``learning_rate``), ``epochs`` passes over shuffled
    batches of ``batch_size``; the examples are padded to whole batches by
    zero-weight rows, so every batch has one shape and Keras compiles once.

    Two networks share their layers: the *training network* (whatever the
    loss needs, e.g. scores at every position) and the *scoring network*
    (scores after the last position), so :meth:`score` works at any time,
    also during training. That is what a callback given to
    ``fit(..., callbacks=[...])`` needs to score a validation window after
    each epoch, stop early and restore the best epoch's weights (set them in
    ``on_epoch_end`` or ``on_train_end``: the training network's weights are
    the scoring network's).

    A subclass implements :meth:`build`, and overrides :meth:`examples`,
    :meth:`network_inputs` or :meth:`loss` where its data or its loss differ.
    """

    #: True when the scoring network takes left-padded prefixes as they are,
    #: so that :class:`~course_lib.models.serving.Recommender` can serve it
    takes_prefixes = True

    def __init__(self, *, max_len: int = 10, epochs: int = 6, batch_size: int = 256,
                 learning_rate: float = 1e-2, seed: int = 0):
        self.max_len, self.epochs, self.batch_size = max_len, epochs, batch_size
        self.learning_rate, self.seed = learning_rate, seed

    # ------------------------------------------------------------ what a model supplies
    def build(self, n_codes: int) -> tuple[keras.Model, keras.Model]:
        """(training network, scoring network) for ``n_codes`` item codes, sharing their layers."""
        raise NotImplementedError

    def examples(self, sessions):
        """Training examples (inputs, targets, weights): by default every next item of every
        session, as left-padded windows of ``max_len`` (padded positions weigh 0)."""
        return training_windows(sessions, self.max_len)

    def network_inputs(self, X):
        """What the networks take for left-padded prefixes ``X`` (by default ``X`` itself)."""
        return X

    def loss(self) -> keras.losses.Loss:
        """The training loss: by default cross-entropy over the whole catalogue (full softmax)."""
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    # ------------------------------------------------------------ written once for all
    def _fit(self, sessions, n_items: int, *, progress: bool = False, callbacks=()):
        X, Y, W = pad_to_whole_batches(self.batch_size, *self.examples(sessions))
        self._train(n_items, progress, callbacks, x=self.network_inputs(X), y=Y, sample_weight=W,
                    batch_size=self.batch_size, shuffle=True)

    def fit_batches(self, batches, n_items: int, *, progress: bool = False, callbacks=()):
        """Train from a stream of fixed-shape ``(X, Y, W)`` batches instead of sessions (lesson 10).

        ``batches`` is a ``keras.utils.PyDataset`` such as
        :class:`course_lib.models.streaming.WindowBatches`, which reads a
        prepared folder's shards one at a time, so memory does not grow with
        the data. Only for models whose networks take the prefixes as they are.
        """
        if not self.takes_prefixes:
            raise TypeError(f"{self.name} needs its own network inputs; train it with fit(sessions)")
        start = time.perf_counter()
        self._train(n_items, progress, callbacks, x=batches)
        self.train_seconds = time.perf_counter() - start
        return self

    def _train(self, n_items: int, progress: bool, callbacks, **data):
        """Build, compile and train the networks on ``data`` (what ``keras.Model.fit`` takes)."""
        keras.utils.set_random_seed(self.seed)
        self.train_network, self.network = self.build(n_items + 1)
        self.train_network.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                                   loss=self.loss())
        # tqdm's Keras callback: one bar over epochs, with the loss (costs nothing measurable:
        # benchmarks/progress_callbacks.md)
        shown = [TqdmCallback(self.epochs, verbose=0, desc="training")] if progress else []
        self.history = self.train_network.fit(**data, epochs=self.epochs, verbose=0,
                                              callbacks=[*shown, *callbacks])
        self.params = int(self.network.count_params())

    def score(self, X, batch_size: int = 1024) -> np.ndarray:
        # predict_on_batch runs one compiled function (compiled once per batch shape);
        # calling the network directly would run it op by op, several times slower
        out = predict_in_fixed_batches(
            lambda part: self.network.predict_on_batch(self.network_inputs(part)),
            np.asarray(X, dtype=np.int32), batch_size)
        out[:, 0] = PAD_SCORE
        return out
