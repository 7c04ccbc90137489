"""Choosing next-item models' settings on the validation window, in a time budget (lessons 05-10, ``course-lib``).

The lessons and the command line tune alike, with three pieces:

* :class:`ValidationStopping`, a Keras callback: after every epoch it scores
  the validation prefixes (MRR@20), keeps the best epoch's weights, stops
  after ``patience`` epochs without a gain or when the time is up, and
  restores the best epoch at the end;
* :class:`TrainingRule`: a neural model's batch size and most epochs, sized
  by gradient steps and the data (the rule is in its docstring);
* :func:`tune_model` and :func:`tune_models`: a small search over each
  model's grid, inside a time budget shared by the models (the rule is in
  :func:`tune_models`).

Nothing here sees the test window: the caller passes the *validation* split
(:func:`course_lib.prep.next_item.validation_and_test_splits`), whose
"test" sessions are the days just before the real test window. The chosen
settings are then refitted on the whole training window
(:func:`tuned_model`); given a ``refit_scale``, the budget keeps time for
those refits too.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import keras
import numpy as np
import pandas as pd

from course_lib.evaluate.ranking import ranking_metrics, ranks_in_batches
from course_lib.models.base import KerasNextItemModel, clone
from course_lib.prep.sequences import prefix_targets, sessions_to_arrays

METRIC = "MRR@20"


def validation_sample(split, max_len: int, max_predictions: int = 5000, seed: int = 0):
    """(X, y) of the validation window: all its predictions, or at most ``max_predictions``
    of them from whole sessions drawn at random (seeded), so that scoring after every epoch
    stays cheap."""
    sessions = split.test
    lengths = sessions.map(len).to_numpy() - 1
    if lengths.sum() > max_predictions:
        order = np.random.default_rng(seed).permutation(len(sessions))
        enough = np.searchsorted(np.cumsum(lengths[order]), max_predictions) + 1
        sessions = sessions.iloc[np.sort(order[:enough])]
    codes, starts = sessions_to_arrays(sessions)
    return prefix_targets(codes, starts, max_len)


def validation_score(model, X, y, metric: str = METRIC) -> float:
    """``metric`` (full-catalogue ranking) of a fitted model on the validation prefixes."""
    k = int(metric.split("@")[1])
    return ranking_metrics(ranks_in_batches(model.score, X, y), ks=(k,))[metric]


class ValidationStopping(keras.callbacks.Callback):
    """Early stopping on the validation window's MRR@20, restoring the best epoch (lessons 05-10).

    After each epoch it scores ``X`` with ``owner.score`` (the model's scoring
    network shares the training network's layers, so this works mid-training),
    records the score and the epoch's time in :attr:`history`, and keeps the
    weights of the best epoch. Training stops after ``patience`` epochs
    without a gain, or when ``deadline`` (a :func:`time.monotonic` time)
    has passed; either way the best epoch's weights are put back at the end.

    With ``refit_scale`` (the refit's training data over this run's, times
    the number of refits), the deadline also keeps time for the refit that
    follows tuning: training stops when one more epoch, plus a refit of that
    many epochs at ``refit_scale`` times this run's mean epoch time, would not
    end before ``deadline``.
    """

    def __init__(self, owner, X, y, *, patience: int = 2, deadline: float | None = None,
                 metric: str = METRIC, refit_scale: float | None = None):
        super().__init__()
        self.owner, self.X, self.y = owner, X, y
        self.patience, self.deadline, self.metric = patience, deadline, metric
        self.refit_scale = refit_scale
        self.history: list[dict] = []
        self.best, self.best_epoch, self.best_weights = -np.inf, 0, None
        self.stopped = "epoch cap"

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def validation_score(self) -> float:
        """The owner's score on the validation prefixes now."""
        return validation_score(self.owner, self.X, self.y, self.metric)

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._start
        score = self.validation_score()
        self.history.append({"epoch": epoch + 1, self.metric: score, "train_s": seconds,
                             "loss": float((logs or {}).get("loss", np.nan))})
        if score > self.best:
            self.best, self.best_epoch = score, epoch + 1
            self.best_weights = self.model.get_weights()
        elif epoch + 1 - self.best_epoch >= self.patience:
            self.stopped = f"no gain in {self.patience} epochs"
            self.model.stop_training = True
        if self.deadline is not None and not self.model.stop_training:
            if time.monotonic() + self.time_to_keep(time.perf_counter() - self._start) >= self.deadline:
                self.stopped = "time budget used up"
                self.model.stop_training = True

    def mean_epoch_s(self) -> float:
        """Mean training seconds of an epoch so far (without the validation scoring)."""
        return float(np.mean([h["train_s"] for h in self.history])) if self.history else 0.0

    def refit_seconds(self, epochs: int) -> float:
        """Expected seconds of a refit of ``epochs`` epochs (0 without ``refit_scale``)."""
        return epochs * self.mean_epoch_s() * (self.refit_scale or 0.0)

    def time_to_keep(self, last_epoch_s: float) -> float:
        """Seconds that must be left to go on: none without ``refit_scale`` (stop at the
        deadline); with it, one more epoch (as long as the last, scoring included) and the
        refit of that many epochs."""
        if self.refit_scale is None:
            return 0.0
        return last_epoch_s + self.refit_seconds(len(self.history) + 1)

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


@dataclass(frozen=True)
class TrainingRule:
    """A neural model's batch size and most epochs, from its number of training examples.

    * **Batch size**: the largest power of two from ``min_batch`` to
      ``max_batch`` that (1) gives an epoch at least ``min_steps`` gradient
      steps (small data gets small batches: 1,833 sessions in batches of 256
      are 8 steps an epoch, and the GRU is under-trained) and (2) keeps one
      step's score matrix (:meth:`~course_lib.models.base.KerasNextItemModel.step_floats`,
      float32) under ``step_bytes``: a step's temporary memory is about
      ``memory_factor`` times its score matrix, and above 32 MiB glibc maps
      and unmaps it at every step, which costs as much system time as the
      training itself (benchmarks/threads.md).
    * **Epochs**: as many as give ``target_steps`` gradient steps, from
      ``min_epochs`` to ``max_epochs``; early stopping on validation
      (``patience`` epochs without a gain) ends most runs before the cap.
    """

    min_steps: int = 100
    target_steps: int = 3000
    min_batch: int = 32
    max_batch: int = 256
    min_epochs: int = 3
    max_epochs: int = 20
    patience: int = 2
    step_bytes: int = 32 * 2**20
    memory_factor: int = 5

    def batch_size(self, model: KerasNextItemModel, n_examples: int, n_items: int) -> int:
        """The batch size of the rule (see the class docstring)."""
        size = self.max_batch
        while size > self.min_batch and (
                n_examples / size < self.min_steps
                or model.step_floats(size, n_items) * 4 * self.memory_factor > self.step_bytes):
            size //= 2
        return max(size, self.min_batch)

    def epochs(self, n_examples: int, batch_size: int) -> int:
        """The most epochs of the rule (see the class docstring)."""
        steps = max(1, math.ceil(n_examples / batch_size))
        return int(min(self.max_epochs, max(self.min_epochs, math.ceil(self.target_steps / steps))))

    def schedule(self, model: KerasNextItemModel, sessions, n_items: int) -> dict:
        """``{"batch_size": ..., "epochs": ...}`` for ``model`` on ``sessions``."""
        n_examples = len(model.examples(sessions)[0])
        batch = self.batch_size(model, n_examples, n_items)
        return {"batch_size": batch, "epochs": self.epochs(n_examples, batch)}


@dataclass
class TuningResult:
    """What tuning one model found: the settings to refit with, and how the search went."""

    key: str
    params: dict                  # hyper-parameters to refit with (the model's own, changed)
    score: float                  # validation MRR@20 of the choice
    trials: pd.DataFrame          # every setting tried, its score, epochs and seconds
    note: str = ""                # how the search ended, in words
    seconds: float = 0.0
    loss_used: str | None = None  # the loss the chosen neural model trained with
    grid_size: int = 0            # settings the grid holds
    refit_s: float = 0.0          # expected seconds of the refit, kept from the budget

    def describe(self) -> str:
        """One line: the choice, its validation score and how the search went."""
        params = ", ".join(f"{k}={v}" for k, v in self.params.items())
        loss = f" (trained with {self.loss_used})" if self.loss_used else ""
        return (f"{self.key}: {params or 'no hyper-parameters'}{loss}; validation {METRIC} "
                f"{self.score:.4f}; {self.note}")


def _candidates(grid):
    """The first setting of ``grid``, then a generator of the next ones given the best so far.

    A list of dicts is tried in order. A dict ``{name: [values...]}`` is
    searched one parameter at a time (coordinate search): all first values,
    then each other value of the first parameter, keep the best, then the
    next parameter, and so on: 1 + sum(len(values) - 1) settings.
    """
    if isinstance(grid, dict):
        def ordered(best):
            current = {name: values[0] for name, values in grid.items()}
            yield dict(current)
            for name, values in grid.items():
                for value in values[1:]:
                    yield {**current, name: value}
                current = {**current, **{n: v for n, v in best().items() if n in grid}}
        return ordered
    return lambda best: iter(grid)


def grid_size(grid) -> int:
    """How many settings a search over ``grid`` tries when time allows."""
    if not grid:
        return 0
    if isinstance(grid, dict):
        return 1 + sum(len(values) - 1 for values in grid.values())
    return len(grid)


def tune_model(model, valid, grid=None, *, budget_s: float | None = None, X=None, y=None,
               rule: TrainingRule = TrainingRule(), key: str | None = None,
               refit_scale: float | None = None, log=None) -> TuningResult:
    """Choose ``model``'s settings from ``grid`` on the validation split ``valid``, in ``budget_s``.

    ``grid``: a list of settings (dicts of constructor arguments) tried in
    order, or a dict of candidate values searched one parameter at a time
    (the first value of each is tried first); None or empty: the model's own
    settings. A Keras model gets the batch size and the most epochs of
    ``rule`` and stops early on validation: the chosen ``epochs`` is its best
    epoch. Trials run while the time left is at least the mean time of a
    trial so far; the first always runs (cut after its first epoch if the
    budget is already spent). When time runs out, the best so far is kept
    and :attr:`TuningResult.note` says so.

    ``refit_scale`` (None: the budget covers the search alone): the budget
    covers the refit of the choice too, whose time is this much times the
    chosen trial's training time (the refit's training data over the
    validation split's, times the number of refits). A trial then starts only
    while the time left also holds the refit of the best so far, and
    :class:`ValidationStopping` keeps time for the refit of each epoch it
    trains; :attr:`TuningResult.refit_s` is the expected refit time.
    """
    key = key or model.name
    start = time.monotonic()
    deadline = None if budget_s is None else start + max(budget_s, 0.0)
    neural = isinstance(model, KerasNextItemModel)
    if X is None or y is None:
        X, y = validation_sample(valid, getattr(model, "max_len", 10))
    base = clone(model, **rule.schedule(model, valid.train, valid.n_items)) if neural else model
    rows, tried = [], []

    def best_params():
        if not rows:
            return {}
        return dict(tried[int(np.argmax([r[METRIC] for r in rows]))])

    def refit_of_best() -> float:
        return float(rows[int(np.argmax([r[METRIC] for r in rows]))].get("refit_s", 0.0)) if rows else 0.0

    size, stopped_early = grid_size(grid), None
    for params in _candidates(grid or [{}])(best_params):
        if params in tried:
            continue
        if rows and deadline is not None:
            spent = [r["seconds"] for r in rows]
            if deadline - time.monotonic() < np.mean(spent) + refit_of_best():
                stopped_early = "time budget used up"
                break
        trial_start = time.monotonic()
        candidate = clone(base, **params)
        if neural:
            stopper = ValidationStopping(candidate, X, y, patience=rule.patience, deadline=deadline,
                                         refit_scale=refit_scale)
            candidate.fit(valid.train, valid.n_items, callbacks=[stopper])
            row = {**params, METRIC: stopper.best, "epochs": stopper.best_epoch,
                   "epochs run": len(stopper.history), "stopped": stopper.stopped,
                   "loss used": candidate.loss_used}
            if refit_scale is not None:
                row["refit_s"] = stopper.refit_seconds(max(1, stopper.best_epoch))
        else:
            candidate.fit(valid.train, valid.n_items)
            row = {**params, METRIC: validation_score(candidate, X, y)}
        tried.append(dict(params))
        row["seconds"] = time.monotonic() - trial_start
        rows.append(row)
        if log:
            log(f"  {key} {params or '(its own settings)'}: validation {METRIC} {row[METRIC]:.4f} "
                f"({row['seconds']:.0f} s)")
    best = int(np.argmax([r[METRIC] for r in rows]))
    chosen = dict(tried[best])
    if neural:
        chosen.update(batch_size=base.batch_size, epochs=max(1, int(rows[best]["epochs"])))
    seconds = time.monotonic() - start
    n = len(rows)
    parts = [f"{n} of {max(size, 1)} settings tried in {seconds:.0f} s"]
    if stopped_early:
        parts.append("the time budget ran out, so this is the best so far")
    if neural and rows[best].get("stopped") == "time budget used up":
        parts.append(f"the budget cut its training short after {rows[best]['epochs run']} "
                     "epoch(s), so its epochs are the best so far")
    note = "; ".join(parts)
    return TuningResult(key, chosen, float(rows[best][METRIC]), pd.DataFrame(rows), note, seconds,
                        rows[best].get("loss used"), size, float(rows[best].get("refit_s", 0.0)))


def tune_models(models: dict, valid, grids: dict, *, budget_s: float, X=None, y=None,
                rule: TrainingRule = TrainingRule(), refit_scale: float | None = None,
                log=print) -> dict[str, TuningResult]:
    """Tune every model of ``models`` (key -> unfitted model) on ``valid``, in ``budget_s`` in all.

    The budget rule: models are tuned in the order given; each gets an equal
    share of the budget *left* when its turn comes, so time a fast model does
    not use passes on to the ones after it (put the cheap baselines first).
    Inside its share a model follows :func:`tune_model`. A model with nothing
    to tune (popularity, Markov) is fitted once, for its validation score: the
    saved model is chosen among all models by that score.

    With ``refit_scale`` (see :func:`tune_model`) the budget covers the
    refits too: the expected refit time of every model already tuned is kept
    back from the shares of those still to come.
    """
    deadline = time.monotonic() + budget_s
    todo = list(models)
    results = {}
    for i, key in enumerate(todo):
        kept = sum(r.refit_s for r in results.values())
        share = max(0.0, (deadline - kept - time.monotonic()) / (len(todo) - i))
        if log:
            log(f"tuning {key} on validation ({share:.0f} s of the budget) ...")
        results[key] = tune_model(models[key], valid, grids.get(key), budget_s=share, X=X, y=y,
                                  rule=rule, key=key, refit_scale=refit_scale, log=log)
        if log:
            log(f"  chosen: {results[key].describe()}")
    return results


def tuned_model(model, result: TuningResult | None):
    """A fresh, unfitted copy of ``model`` with the settings ``result`` chose (``model`` if None)."""
    return clone(model, **result.params) if result is not None else clone(model)


def chosen_settings_table(results: dict[str, TuningResult]) -> pd.DataFrame:
    """One row per tuned model: its chosen settings, validation MRR@20 and how the search went."""
    rows = []
    for key, r in results.items():
        rows.append({"model": key, "settings": ", ".join(f"{k}={v}" for k, v in r.params.items()),
                     "loss used": r.loss_used or "", f"validation {METRIC}": r.score,
                     "tried": len(r.trials), "grid": r.grid_size, "tuning_s": r.seconds,
                     "refit_s_expected": r.refit_s, "note": r.note})
    return pd.DataFrame(rows, columns=["model", "settings", "loss used", f"validation {METRIC}",
                                       "tried", "grid", "tuning_s", "refit_s_expected", "note"])


def chosen_settings_json(results: dict[str, TuningResult]) -> dict:
    """The chosen settings as plain JSON data (``chosen_settings.json``)."""
    def plain(v):
        return v.item() if isinstance(v, np.generic) else v
    return {key: {"settings": {k: plain(v) for k, v in r.params.items()},
                  "loss_used": r.loss_used, f"validation_{METRIC}": round(float(r.score), 6),
                  "tried": len(r.trials), "grid": r.grid_size, "tuning_s": round(r.seconds, 1),
                  "refit_s_expected": round(r.refit_s, 1), "note": r.note,
                  "trials": [{k: plain(v) for k, v in row.items()}
                             for row in r.trials.to_dict("records")]}
            for key, r in results.items()}
