"""Tuning on the validation window (``course_lib.evaluate.tuning``): early stopping restores the
best epoch, the search follows its order, the budget rule is kept, batch sizes follow the rule."""
from __future__ import annotations

import course_lib  # noqa: F401  (chooses the Keras backend first)
import keras
import numpy as np
import pytest

from course_lib.datasets import make_shop
from course_lib.evaluate import tuning
from course_lib.evaluate.tuning import (TrainingRule, ValidationStopping, chosen_settings_json,
                                        chosen_settings_table, tune_model, tune_models,
                                        tuned_model, validation_sample)
from course_lib.models.base import NextItemBase
from course_lib.models.session_rnn import SessionRNN
from course_lib.prep.next_item import next_item_split


@pytest.fixture(scope="module")
def split():
    return next_item_split(make_shop(10_000, seed=1).events, 14)


class ScriptedStopping(ValidationStopping):
    """Early stopping whose validation scores are given in advance."""

    def __init__(self, *args, scores, **kwargs):
        super().__init__(*args, **kwargs)
        self.scripted = list(scores)

    def validation_score(self):
        return self.scripted[len(self.history)]


class Snapshots(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


@pytest.mark.slow
def test_early_stopping_restores_the_best_epoch(split):
    X, y = split.test_prefixes(10)
    model = SessionRNN(hidden=16, max_len=10, epochs=8, batch_size=256, learning_rate=0.02)
    snapshots = Snapshots()
    stopper = ScriptedStopping(model, X[:50], y[:50], patience=2,
                               scores=[0.1, 0.3, 0.2, 0.25, 0.5, 0.6, 0.7, 0.8])
    model.fit(split.train, split.n_items, callbacks=[snapshots, stopper])
    assert len(stopper.history) == 4                      # epochs 3 and 4 brought no gain
    assert stopper.best_epoch == 2 and stopper.best == 0.3
    assert stopper.stopped == "no gain in 2 epochs"
    final = model.train_network.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(final, snapshots.weights[1]))
    assert not all(np.array_equal(a, b) for a, b in zip(final, snapshots.weights[3]))
    assert [h["epoch"] for h in stopper.history] == [1, 2, 3, 4]


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Fake(NextItemBase):
    """A model whose fit costs ``cost`` seconds of a fake clock and whose validation score is
    ``quality``."""

    name = "fake"
    clock: FakeClock

    def __init__(self, quality: float = 0.0, cost: float = 10.0):
        self.quality, self.cost = quality, cost

    def _fit(self, sessions, n_items, *, progress=False):
        Fake.clock.now += self.cost


@pytest.fixture
def clock(monkeypatch):
    clock = FakeClock()
    Fake.clock = clock
    monkeypatch.setattr(tuning.time, "monotonic", clock)
    monkeypatch.setattr(tuning, "validation_score", lambda model, X, y, metric="MRR@20": model.quality)
    return clock


def fake_grid(qualities, cost=10.0):
    return [{"quality": q, "cost": cost} for q in qualities]


def test_the_budget_keeps_the_best_so_far_when_it_runs_out(split, clock):
    X, y = split.test_prefixes(10)
    result = tune_model(Fake(), split, fake_grid([0.1, 0.3, 0.2, 0.9, 0.95]), budget_s=35, X=X, y=y)
    # trials start while the time left (35, 25, 15, 5) is at least a trial's mean cost (10)
    assert len(result.trials) == 3 and clock.now == 30
    assert result.params == {"quality": 0.3, "cost": 10.0} and result.score == 0.3
    assert "time budget ran out" in result.note and "best so far" in result.note
    assert "3 of 5 settings" in result.note


def test_the_first_setting_always_runs(split, clock):
    X, y = split.test_prefixes(10)
    result = tune_model(Fake(), split, fake_grid([0.4, 0.5]), budget_s=0, X=X, y=y)
    assert len(result.trials) == 1 and result.params["quality"] == 0.4


def test_time_a_model_leaves_passes_on_to_the_next(split, clock):
    X, y = split.test_prefixes(10)
    models = {"fast": Fake(), "none": Fake(cost=1), "slow": Fake()}
    grids = {"fast": fake_grid([0.1, 0.2], cost=1), "slow": fake_grid(np.linspace(0, 1, 10), cost=10)}
    results = tune_models(models, split, grids, budget_s=60, X=X, y=y, log=None)
    assert list(results) == ["fast", "none", "slow"]
    assert len(results["fast"].trials) == 2
    # a model with nothing to tune is fitted once, for its validation score
    assert len(results["none"].trials) == 1 and results["none"].params == {}
    # "slow" had 57 s, not a third of 60: trials at 3, 13, 23, 33, 43; at 53 only 7 s were left
    assert len(results["slow"].trials) == 5


def test_a_dict_grid_is_searched_one_parameter_at_a_time(split, clock):
    X, y = split.test_prefixes(10)

    class Two(Fake):
        def __init__(self, quality: float = 0.0, cost: float = 1.0):
            super().__init__(quality, cost)

    grid = {"quality": [0.1, 0.3, 0.2], "cost": [1.0, 2.0]}
    result = tune_model(Two(), split, grid, X=X, y=y)
    tried = result.trials[["quality", "cost"]].values.tolist()
    assert tried == [[0.1, 1.0], [0.3, 1.0], [0.2, 1.0], [0.3, 2.0]]
    assert result.params == {"quality": 0.3, "cost": 1.0}   # ties keep the first
    assert result.grid_size == 4 and "4 of 4 settings" in result.note


def test_the_training_rule_sizes_batches_by_steps_and_memory():
    rule = TrainingRule()
    gru = SessionRNN(max_len=10, loss="softmax")
    # small data: at least 100 steps an epoch, down to batches of 32
    assert rule.batch_size(gru, n_examples=3_000, n_items=500) == 32
    assert rule.batch_size(gru, n_examples=100_000, n_items=500) == 256
    # a big catalogue under full softmax: the step's scores must stay small
    assert rule.batch_size(gru, n_examples=100_000, n_items=4_000) == 32
    sampled = SessionRNN(max_len=10, loss="sampled", n_sample=512)
    assert rule.batch_size(sampled, n_examples=100_000, n_items=4_000) == 128
    assert rule.epochs(n_examples=3_000, batch_size=32) == 20       # 94 steps: capped at 20
    assert rule.epochs(n_examples=1_000_000, batch_size=256) == 3     # at least min_epochs
    assert rule.epochs(n_examples=64_000, batch_size=128) == 6        # 3,000 steps of 500


def test_validation_sample_takes_whole_sessions(split):
    X, y = validation_sample(split, 10, max_predictions=200, seed=0)
    assert 200 <= len(y) < 200 + max(len(s) for s in split.test)
    X_all, y_all = validation_sample(split, 10, max_predictions=10**9)
    assert len(y_all) == sum(len(s) - 1 for s in split.test)


@pytest.mark.slow
def test_tuning_a_gru_on_validation_gives_epochs_batch_size_and_a_table(split):
    X, y = validation_sample(split, 10, max_predictions=500)
    gru = SessionRNN(hidden=16, max_len=10, learning_rate=0.01)
    rule = TrainingRule(max_epochs=3, min_epochs=1)
    result = tune_model(gru, split, {"learning_rate": [0.01, 0.03]}, X=X, y=y, rule=rule, key="gru4rec")
    assert set(result.params) == {"learning_rate", "batch_size", "epochs"}
    assert 1 <= result.params["epochs"] <= 3 and result.loss_used == "softmax"
    assert len(result.trials) == 2 and result.score == result.trials["MRR@20"].max()
    final = tuned_model(gru, result)
    assert final.get_params()["learning_rate"] == result.params["learning_rate"]
    table = chosen_settings_table({"gru4rec": result})
    assert table.loc[0, "model"] == "gru4rec" and "epochs=" in table.loc[0, "settings"]
    data = chosen_settings_json({"gru4rec": result})
    assert data["gru4rec"]["settings"]["batch_size"] == result.params["batch_size"]
    assert len(data["gru4rec"]["trials"]) == 2


class Trained:
    """What ValidationStopping needs of a Keras model: a stop flag and weights."""

    stop_training = False

    def get_weights(self):
        return []

    def set_weights(self, weights):
        pass


def run_epochs(stopper, clock, epoch_s: float, most: int = 50) -> int:
    """Epochs of ``epoch_s`` seconds on the fake clock until ``stopper`` stops training."""
    stopper.set_model(Trained())
    for epoch in range(most):
        stopper.on_epoch_begin(epoch)
        clock.now += epoch_s
        stopper.on_epoch_end(epoch)
        if stopper.model.stop_training:
            return epoch + 1
    return most


@pytest.fixture
def timed_clock(clock, monkeypatch):
    monkeypatch.setattr(tuning.time, "perf_counter", clock)
    return clock


def test_the_deadline_keeps_time_for_the_refit(split, timed_clock, monkeypatch):
    X, y = split.test_prefixes(10)
    monkeypatch.setattr(ValidationStopping, "validation_score", lambda self: len(self.history) / 100)
    # without a refit to keep time for, training runs up to the deadline: 10 epochs of 10 s
    plain = ValidationStopping(None, X, y, patience=50, deadline=100.0)
    assert run_epochs(plain, timed_clock, 10.0) == 10 and plain.stopped == "time budget used up"
    # with one: after epoch 5 (50 s) a sixth epoch and its 60 s refit would end at 120 s
    timed_clock.now = 0.0
    keeping = ValidationStopping(None, X, y, patience=50, deadline=101.0, refit_scale=1.0)
    assert run_epochs(keeping, timed_clock, 10.0) == 5
    assert keeping.refit_seconds(keeping.best_epoch) == pytest.approx(50.0)   # 50 + 50 < 101
    # a refit on twice the data keeps twice the time
    timed_clock.now = 0.0
    double = ValidationStopping(None, X, y, patience=50, deadline=101.0, refit_scale=2.0)
    assert run_epochs(double, timed_clock, 10.0) == 3    # 30 s + 10 s + a 4-epoch refit of 80 s > 100


def test_the_shares_keep_back_the_refits_of_the_models_tuned_before(split, clock, monkeypatch):
    shares = {}

    def fake_tune_model(model, valid, grid, *, budget_s, key, refit_scale, **kwargs):
        shares[key] = budget_s
        assert refit_scale == 1.5
        clock.now += 10
        return tuning.TuningResult(key, {}, 0.0, tuning.pd.DataFrame(), "", 10.0, refit_s=20.0)

    monkeypatch.setattr(tuning, "tune_model", fake_tune_model)
    tune_models({"a": None, "b": None, "c": None}, split, {}, budget_s=120, refit_scale=1.5, log=None)
    # a: 120/3; b: (120 - 10 spent - 20 kept)/2; c: 120 - 20 spent - 40 kept
    assert shares == {"a": 40.0, "b": 45.0, "c": 60.0}


def test_the_refit_scale_is_the_ratio_of_events(split):
    from course_lib.tasks.next_item import refit_scale
    before, after = split.train.map(len).sum(), split.test.map(len).sum()
    assert refit_scale(split) == pytest.approx((before + after) / before)
    assert refit_scale(split) > 1


def test_the_note_says_how_much_time_was_kept_for_the_refits():
    from course_lib.tasks.next_item import chosen_notes
    from course_lib.tasks.settings import NextItemSettings
    empty = tuning.pd.DataFrame()
    neural = {"gru4rec": tuning.TuningResult("gru4rec", {"epochs": 3}, 0.5, empty, "", 46.0, refit_s=45.0)}
    assert "in 46 s, keeping 45 s for the refits, of a 100 s budget" in chosen_notes(neural, NextItemSettings())[0]
    simple = {"markov": tuning.TuningResult("markov", {}, 0.4, empty, "", 1.0)}
    assert "in 1 s of a 100 s budget" in chosen_notes(simple, NextItemSettings())[0]
