"""Recurrent cells, the next-item protocol, baselines and the GRU4Rec-style model."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import course_lib  # noqa: F401  (chooses the Keras backend first)
import keras

from course_lib.datasets import make_shop
from course_lib.evaluate.next_item import evaluate_model, fit_and_evaluate, leaderboard
from course_lib.evaluate.ranking import target_ranks
from course_lib.models.baselines import MarkovChain, Popularity
from course_lib.models.cells import (gru_forward, hidden_state_jacobian_norms, lstm_forward,
                                     rnn_forward)
from course_lib.prep.next_item import (next_item_split, split_sessions, training_windows,
                                       validation_and_test_splits)


@pytest.mark.parametrize("layer, cell", [(keras.layers.SimpleRNN, rnn_forward),
                                         (keras.layers.LSTM, lstm_forward),
                                         (keras.layers.GRU, gru_forward)])
def test_numpy_cells_equal_keras_layers(layer, cell):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 9, 4)).astype("float32")
    keras_layer = layer(6, return_sequences=True)
    keras_layer(x)
    weights = [w + rng.normal(scale=0.2, size=w.shape).astype("float32") for w in keras_layer.get_weights()]
    keras_layer.set_weights(weights)
    got = cell(x.astype("float64"), *weights)
    want = keras.ops.convert_to_numpy(keras_layer(x))
    assert np.abs(got - want).max() <= 1e-5


def test_jacobian_norms_match_finite_differences():
    rng = np.random.default_rng(1)
    W, U, b = rng.normal(size=(2, 3)), rng.normal(scale=0.6, size=(3, 3)), rng.normal(size=3)
    x = rng.normal(size=(1, 6, 2))
    states = rnn_forward(x, W, U, b)[0]
    # perturb h_{T-2} and push it through the last two steps
    eps, J = 1e-6, np.zeros((3, 3))
    for j in range(3):
        h = states[-3].copy()
        h[j] += eps
        for t in (4, 5):
            h = np.tanh(x[0, t] @ W + h @ U + b)
        J[:, j] = (h - states[-1]) / eps
    assert hidden_state_jacobian_norms(U, states, 2)[2] == pytest.approx(np.linalg.norm(J, 2), rel=1e-4)


@pytest.fixture(scope="module")
def shop_split():
    return next_item_split(make_shop(100_000, seed=1).events, test_days=14)


def test_protocol_split_is_leak_free_and_complete(shop_split):
    split = shop_split
    assert all(len(s) >= 2 and (s > 0).all() and (s <= split.n_items).all() for s in split.test)
    X, y = split.test_prefixes(10)
    assert len(y) == sum(len(s) - 1 for s in split.test)
    assert X.shape == (len(y), 10) and (y > 0).all()


def test_unseen_test_items_are_dropped():
    t = pd.Timestamp("2024-01-01")
    train = pd.DataFrame({"session_id": [1, 1, 2, 2], "item_id": ["a", "b", "b", "c"],
                          "timestamp": [t] * 4})
    test = pd.DataFrame({"session_id": [3, 3, 3, 4, 4], "item_id": ["a", "zz", "c", "zz", "b"],
                         "timestamp": [t] * 5})
    split = split_sessions(train, test)
    assert split.dropped_unknown == 2
    assert [list(split.vocab.decode(s)) for s in split.test] == [["a", "c"]]


def test_training_windows_cover_every_next_item():
    sessions = pd.Series([np.array([1, 2, 3]), np.array([4, 5, 6, 7, 8, 9])])
    X, Y, W = training_windows(sessions, max_len=3)
    pairs = {(int(a), int(b)) for x_row, y_row in zip(X, Y) for a, b in zip(x_row, y_row) if b}
    assert pairs == {(1, 2), (2, 3), (4, 5), (5, 6), (6, 7), (7, 8), (8, 9)}
    assert W.sum() == len(pairs)


def test_markov_and_popularity_scores_by_hand():
    sessions = [np.array([1, 2, 3]), np.array([2, 3]), np.array([3, 2])]
    X = np.array([[0, 2], [0, 3]])
    markov = MarkovChain().fit(sessions, 3).score(X)
    assert np.argmax(markov[0]) == 3 and np.argmax(markov[1]) == 2
    assert markov[0, 3] > markov[0, 1] > 0  # popularity back-off below any transition
    pop = Popularity().fit(sessions, 3).score(X)
    assert list(pop[0, 1:]) == [1, 3, 3] and np.isneginf(pop[:, 0]).all()


# session-kNN, V-SKNN and STAN: tests/test_neighbours.py


@pytest.mark.slow
def test_gru_beats_popularity_and_markov(shop_split):
    from course_lib.models.session_rnn import SessionRNN

    X, y = shop_split.test_prefixes(10)
    rows = [fit_and_evaluate(m, shop_split, X, y) for m in
            (Popularity(), MarkovChain(),
             SessionRNN(hidden=64, max_len=10, epochs=6, batch_size=256, learning_rate=1e-2))]
    board = leaderboard(rows).set_index("model")
    assert board.loc["gru4rec", "MRR@20"] > board.loc["markov", "MRR@20"] + 0.03
    assert board.loc["gru4rec", "MRR@20"] > board.loc["pop", "MRR@20"]
    assert board.loc["gru4rec", "params"] > 0 and board.loc["gru4rec", "train_s"] > 0


def test_evaluation_ranks_against_all_items_with_ties():
    class Constant:
        name, params, train_seconds = "constant", 0, 0.0

        def score(self, X):
            return np.zeros((len(X), 51))

    result = evaluate_model(Constant(), np.zeros((4, 3), int), np.array([1, 2, 3, 50]))
    assert result["HR@20"] == 0 and result["MRR@20"] == 0  # every tie counts against the target
    assert target_ranks(np.zeros((1, 51)), np.array([7]))[0] == 51


def test_validation_window_precedes_the_test_window():
    valid, test = validation_and_test_splits(make_shop(20_000, seed=0).events, 14, 14)
    assert valid.cut < test.cut


def test_baselines_on_validation_scores_each_simple_baseline_on_the_validation_split():
    # lessons 08 and 09 choose the baseline to beat from these scores, never from the test
    from course_lib.evaluate.next_item import baselines_on_validation, tune
    from course_lib.models.neighbours import SessionKNN
    from course_lib.prep.next_item import validation_and_test_splits

    valid, _ = validation_and_test_splits(make_shop(6_000, seed=3).events, test_days=3, valid_days=3)
    grid = [{"k": 5, "sample": 100, "remind": False}, {"k": 20, "sample": 500, "remind": True}]
    best, scores = baselines_on_validation(valid, 5, grid)
    X, y = valid.test_prefixes(5)
    assert set(scores) == {"pop", "markov", "sknn"} and best in grid
    assert best == tune(SessionKNN, grid, valid, X, y)[0]
    assert scores["markov"] == fit_and_evaluate(MarkovChain(), valid, X, y)["MRR@20"]
    assert scores["sknn"] == fit_and_evaluate(SessionKNN(**best), valid, X, y)["MRR@20"]
