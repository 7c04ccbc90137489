"""Every next-item model keeps one contract (``course_lib.models.base``); the Keras base class
pads to whole batches with zero-weight rows, and can be scored in the middle of training."""
from __future__ import annotations

import time

import course_lib  # noqa: F401  (chooses the Keras backend first)
import keras
import numpy as np
import pytest

from course_lib.datasets import make_shop
from course_lib.evaluate.next_item import fit_and_evaluate
from course_lib.models.attention import SASRec
from course_lib.models.base import KerasNextItemModel, NextItemModel, clone
from course_lib.models.baselines import MarkovChain, Popularity
from course_lib.models.neighbours import SessionKNN
from course_lib.models.batching import pad_to_whole_batches
from course_lib.models.graph import SRGNN, GraphItemModel
from course_lib.models.session_rnn import SessionRNN
from course_lib.prep.next_item import next_item_split


@pytest.fixture(scope="module")
def split():
    return next_item_split(make_shop(10_000, seed=1).events, 14)


def small_models():
    return [Popularity(), MarkovChain(), SessionKNN(k=20, sample=500),
            SessionRNN(hidden=16, max_len=10, epochs=1, batch_size=256),
            SessionRNN(cell="lstm", hidden=16, max_len=10, epochs=1, batch_size=256),
            SASRec(dim=16, blocks=1, max_len=10, epochs=1),
            SRGNN(dim=16, max_len=10, epochs=1),
            GraphItemModel(dim=16, epochs=1)]


@pytest.mark.slow
def test_every_next_item_model_keeps_the_contract(split):
    X, y = split.test_prefixes(10)
    names = []
    for model in small_models():
        assert isinstance(model, NextItemModel), type(model).__name__
        assert model.fit(split.train, split.n_items) is model
        assert model.train_seconds > 0 and model.params >= 0
        scores = model.score(X[:37])
        assert scores.shape == (37, split.n_items + 1)
        assert np.isneginf(scores[:, 0]).all() and np.isfinite(scores[:, 1:]).all()
        row = fit_and_evaluate(clone(model), split, X, y)  # a fresh copy fits and evaluates alike
        assert row["model"] == model.name and row["train_s"] > 0
        names.append(model.name)
    # stable keys, never a hyper-parameter in a name
    assert names == ["pop", "markov", "sknn", "gru4rec", "lstm", "sasrec", "srgnn", "gcn-items"]


def test_get_params_gives_the_constructor_arguments_and_clone_changes_only_those_given():
    gru = SessionRNN(hidden=24, max_len=7, epochs=3, learning_rate=0.02, seed=5)
    assert gru.get_params() == {"cell": "gru", "hidden": 24, "max_len": 7, "epochs": 3,
                                "batch_size": 128, "learning_rate": 0.02, "dropout": 0.1,
                                "tied": True, "loss": "auto", "n_sample": 1024, "seed": 5}
    other = clone(gru, seed=6)
    assert other is not gru and other.get_params() == {**gru.get_params(), "seed": 6}
    assert SessionKNN(k=20).get_params() == {"k": 20, "sample": 1000, "similarity": "cosine",
                                             "remind": True}
    assert Popularity().get_params() == {}
    assert repr(SASRec(dim=8, blocks=1)).startswith("SASRec(dim=8, blocks=1, heads=1,")
    with pytest.raises(ValueError, match="cell must be"):
        SessionRNN(cell="lstm4rec")


def test_padding_to_whole_batches_adds_zero_rows_with_zero_weight():
    X = np.arange(1, 16).reshape(5, 3)
    Y, W = np.arange(5), np.ones(5, "float32")
    Xp, Yp, Wp = pad_to_whole_batches(4, X, Y, W)
    assert len(Xp) == len(Yp) == len(Wp) == 8
    assert (Xp[:5] == X).all() and (Xp[5:] == 0).all() and (Yp[5:] == 0).all()
    assert Wp.tolist() == [1] * 5 + [0] * 3 and Xp.dtype == X.dtype
    same = pad_to_whole_batches(5, X, Y, W)
    assert all(a is b for a, b in zip(same, (X, Y, W)))  # already whole: nothing copied


class ScoreEachEpoch(keras.callbacks.Callback):
    """Scores the validation prefixes after each epoch and restores the first epoch at the end:
    what an early-stopping callback of the evaluation layer does."""

    def __init__(self, owner: KerasNextItemModel, X):
        super().__init__()
        self.owner, self.X, self.scores, self.weights = owner, X, [], []

    def on_epoch_end(self, epoch, logs=None):
        self.scores.append(self.owner.score(self.X))
        self.weights.append(self.model.get_weights())

    def on_train_end(self, logs=None):
        self.model.set_weights(self.weights[0])


@pytest.mark.slow
@pytest.mark.parametrize("make", [
    lambda: SessionRNN(hidden=16, max_len=10, epochs=3, batch_size=256, learning_rate=0.02),
    lambda: SRGNN(dim=16, max_len=10, epochs=2),
], ids=["gru4rec", "srgnn"])
def test_a_callback_scores_during_training_and_restores_an_earlier_epoch(split, make):
    X, _ = split.test_prefixes(10)
    model = make()
    callback = ScoreEachEpoch(model, X[:64])
    model.fit(split.train, split.n_items, callbacks=[callback])
    assert len(callback.scores) == model.epochs
    assert not np.allclose(callback.scores[0], callback.scores[-1])  # it learned between epochs
    np.testing.assert_allclose(model.score(X[:64]), callback.scores[0], rtol=1e-5, atol=1e-5)


class SlowScoring(keras.callbacks.Callback):
    """Stands in for validation scoring after each epoch: it must not count as training time."""

    def on_epoch_end(self, epoch, logs=None):
        time.sleep(0.5)


def test_epochs_are_timed_without_the_callbacks_after_them(split):
    from course_lib.evaluate.seeds import over_seeds

    model = SASRec(dim=16, blocks=1, max_len=10, epochs=3)
    model.fit(split.train, split.n_items, callbacks=[SlowScoring()])
    assert len(model.epoch_seconds) == 3 and all(0 < s < 0.5 for s in model.epoch_seconds[1:])
    assert model.seconds_per_epoch() == pytest.approx(np.median(model.epoch_seconds[1:]))
    assert model.train_seconds > 1.5 + sum(model.epoch_seconds[1:])   # the callbacks' seconds are in it
    X, y = split.test_prefixes(10)
    runs = over_seeds(lambda s: SASRec(dim=16, blocks=1, max_len=10, epochs=2, seed=s), split, X[:50], y[:50],
                      seeds=(0, 1))
    assert len(runs.epoch_seconds) == 2 and all(s > 0 for s in runs.epoch_seconds)
    assert np.isnan(over_seeds(lambda s: MarkovChain(), split, X[:50], y[:50], seeds=(0, 1)).epoch_seconds).all()
