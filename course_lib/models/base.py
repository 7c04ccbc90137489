"""The next-item model contract, and the Keras base class of the neural models (lessons 05-09).

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
from course_lib.models.sampling import CandidateScores, choose_loss, item_counts, training_loss
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


class TrainingStart:
    """A compiled network's first state, its weights and its optimizer's (step count, moments), to
    train it again from the same start without compiling again: lesson 04's forecaster at every
    rolling origin, lesson 08's fine-tuned classifier for every number of epochs it tries."""

    def __init__(self, network):
        network.optimizer.build(network.trainable_variables)
        self.network = network
        self.values = [[v.numpy() for v in variables] for variables in self._variables()]

    def _variables(self):
        return self.network.variables, self.network.optimizer.variables

    def restore(self) -> None:
        """Put every weight and optimizer variable back as it was at the start."""
        for variables, values in zip(self._variables(), self.values):
            for variable, value in zip(variables, values, strict=True):
                variable.assign(value)


class EpochClock(keras.callbacks.Callback):
    """Wall seconds of each training epoch, the first included (it also compiles the training
    step, unless JAX's compilation cache already holds it); validation scoring by later
    callbacks is not counted when this clock comes first in the list."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


class KerasNextItemModel(NextItemBase):
    """Base class of the Keras next-item models: GRU/LSTM, SASRec, SR-GNN (lessons 05-07).

    Training: every example predicts its target(s) (Adam, ``learning_rate``),
    ``epochs`` passes over shuffled batches of ``batch_size``; the examples
    are padded to whole batches by zero-weight rows, so every batch has one
    shape and Keras compiles once. The loss is full-softmax cross-entropy, or
    for large catalogues a loss over sampled candidates (``loss=``, see
    :mod:`course_lib.models.sampling`; ``"auto"`` chooses by catalogue size).

    Two networks share their layers: the *training network* (whatever the
    loss needs, e.g. scores at every position) and the *scoring network*
    (scores after the last position), so :meth:`score` works at any time,
    also during training. That is what a callback given to
    ``fit(..., callbacks=[...])`` needs to score a validation window after
    each epoch, stop early and restore the best epoch's weights (set them in
    ``on_epoch_end`` or ``on_train_end``: the training network's weights are
    the scoring network's).

    A subclass implements :meth:`build` (calling :meth:`candidate_scores` for
    its training network when the loss samples), and overrides
    :meth:`examples`, :meth:`network_inputs` or :meth:`loss_function` where its
    data or its loss differ.
    """

    #: True when the scoring network takes left-padded prefixes as they are,
    #: so that :class:`~course_lib.models.serving.Recommender` can serve it
    takes_prefixes = True
    #: how many optimizer steps the last training took (None: restored, not trained; lesson 06)
    gradient_steps: int | None = None

    # the loss's fixed settings, the reference GRU4Rec's (its published parameter files) but logq
    sample_alpha = 0.5   # extra negatives drawn by popularity ** sample_alpha
    logq = 0.5           # log-Q correction of the sampled cross-entropy, half weight: chosen on the
                         # baskets' validation window over 0, 0.5, 0.75, 1 (benchmarks/sampled_losses.md)
    bpreg = 1.0          # BPR-max's score regularisation
    elu = 0.5            # BPR-max's ELU on the scores

    def __init__(self, *, max_len: int = 10, epochs: int = 6, batch_size: int = 256,
                 learning_rate: float = 1e-2, loss: str = "auto", n_sample: int = 1024,
                 seed: int = 0):
        self.max_len, self.epochs, self.batch_size = max_len, epochs, batch_size
        self.learning_rate, self.seed = learning_rate, seed
        choose_loss(loss, 0)  # refuses an unknown loss at once
        self.loss, self.n_sample = loss, n_sample
        self.loss_used = None  # the loss fit chose ("auto" resolved by catalogue size)

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

    def serving_inputs(self) -> dict | None:
        """How a saved recommender turns prefixes into :meth:`network_inputs` without this object
        (JSON-able, read by :mod:`course_lib.models.serving`); None: the prefixes themselves."""
        return None

    def training_inputs(self, X, Y):
        """What the training network takes: the network inputs, and the targets when the loss
        samples (their scores and the in-batch candidates come from them)."""
        inputs = self.network_inputs(X)
        if self.loss_used == "softmax":
            return inputs
        return [*(inputs if isinstance(inputs, list) else [inputs]), Y]

    def candidate_scores(self, head) -> CandidateScores | None:
        """The training layer scoring each target against sampled candidates with the output
        layer ``head`` (None with full softmax); for :meth:`build`."""
        if self.loss_used == "softmax":
            return None
        return CandidateScores(head, self.item_counts, kind=self.loss_used, n_sample=self.n_sample,
                               sample_alpha=self.sample_alpha, logq=self.logq, elu=self.elu,
                               seed=self.seed, name="candidate_scores")

    def loss_function(self) -> keras.losses.Loss:
        """The Keras loss of :attr:`loss_used`: full-softmax cross-entropy, sampled cross-entropy
        or BPR-max (:mod:`course_lib.models.sampling`)."""
        return training_loss(self.loss_used, bpreg=self.bpreg)

    def positions(self) -> int:
        """Targets per training example (by default one per position of the window)."""
        return self.max_len

    def step_floats(self, batch_size: int, n_items: int) -> int:
        """Scores one training step computes (examples x positions x candidates): the number a
        batch-size rule keeps small (:func:`course_lib.evaluate.tuning.training_schedule`)."""
        loss = choose_loss(self.loss, n_items)
        candidates = n_items + 1 if loss == "softmax" else 1 + batch_size + self.n_sample
        return batch_size * self.positions() * candidates

    # ------------------------------------------------------------ written once for all
    def _fit(self, sessions, n_items: int, *, progress: bool = False, callbacks=()):
        self.loss_used = choose_loss(self.loss, n_items)
        if self.loss_used != "softmax":
            self.item_counts = item_counts(sessions, n_items + 1)
        X, Y, W = pad_to_whole_batches(self.batch_size, *self.examples(sessions))
        self._train(n_items, progress, callbacks, x=self.training_inputs(X, Y), y=Y, sample_weight=W,
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
        if self.loss not in ("auto", "softmax"):
            raise ValueError(f"{self.name}: training from batches uses the full softmax; "
                             f"loss={self.loss!r} samples candidates and needs fit(sessions)")
        self.loss_used = "softmax"
        start = time.perf_counter()
        self._train(n_items, progress, callbacks, x=batches)
        self.train_seconds = time.perf_counter() - start
        return self

    def _train(self, n_items: int, progress: bool, callbacks, **data):
        """Build, compile and train the networks on ``data`` (what ``keras.Model.fit`` takes)."""
        keras.utils.set_random_seed(self.seed)
        self.train_network, self.network = self.build(n_items + 1)
        self.train_network.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                                   loss=self.loss_function())
        # tqdm's Keras callback: one bar over epochs, with the loss (costs nothing measurable:
        # benchmarks/progress_callbacks.md)
        shown = [TqdmCallback(self.epochs, verbose=0, desc="training")] if progress else []
        clock = EpochClock()
        self.history = self.train_network.fit(**data, epochs=self.epochs, verbose=0,
                                              callbacks=[clock, *shown, *callbacks])
        self.epoch_seconds = clock.seconds
        self.gradient_steps = int(keras.ops.convert_to_numpy(self.train_network.optimizer.iterations))
        self.params = int(self.network.count_params())

    def restore(self, sessions, n_items: int, weights, train_seconds: float) -> "KerasNextItemModel":
        """The networks :meth:`fit` builds for ``sessions``, given recorded ``weights`` (the training
        network's ``get_weights()``) instead of training them; ``train_seconds`` is the recorded
        training time (lesson 08: :meth:`~course_lib.evaluate.recorded_choices.RecordedChoices.fitted`)."""
        self.loss_used = choose_loss(self.loss, n_items)
        if self.loss_used != "softmax":
            self.item_counts = item_counts(sessions, n_items + 1)
        self.train_network, self.network = self.build(n_items + 1)
        self.train_network.set_weights(list(weights))
        self.params = int(self.network.count_params())
        self.train_seconds = float(train_seconds)
        return self

    def seconds_per_epoch(self) -> float:
        """Training seconds of one epoch once compiled: the median of the epochs after the first
        (the first alone when there is one). What a size or data comparison should read (lesson
        07): ``train_seconds`` also holds compiling, which a cached program skips."""
        seconds = getattr(self, "epoch_seconds", [])
        if not seconds:
            return float("nan")
        return float(np.median(seconds[1:] if len(seconds) > 1 else seconds))

    def score(self, X, batch_size: int = 1024) -> np.ndarray:
        # predict_on_batch runs one compiled function (compiled once per batch shape);
        # calling the network directly would run it op by op, several times slower
        out = predict_in_fixed_batches(
            lambda part: self.network.predict_on_batch(self.network_inputs(part)),
            np.asarray(X, dtype=np.int32), batch_size)
        out[:, 0] = PAD_SCORE
        return out
