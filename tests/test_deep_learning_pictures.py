"""The pictures and explorers of lessons 04, 06 and 07 draw what the library computes.

* the trained SASRec's attention weights (``sasrec_attention``) come from the
  pass that gives the model's own scores, are causal and sum to 1;
* training curves draw ValidationStopping's history and ring the epoch kept;
* the hidden-state, session-graph and attention explorers redraw when a control moves.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.datasets import make_shop  # noqa: E402
from course_lib.evaluate.tuning import ValidationStopping  # noqa: E402
from course_lib.models.attention import SASRec, sasrec_attention  # noqa: E402
from course_lib.prep.next_item import validation_and_test_splits  # noqa: E402
from course_lib.show import widgets  # noqa: E402
from course_lib.show.attention_map import plot_attention  # noqa: E402
from course_lib.show.training_curves import plot_training_curves  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def trained():
    """A small SASRec (2 blocks, 2 heads) trained with validation stopping on a small shop."""
    shop = make_shop(8_000, seed=3)
    valid, test = validation_and_test_splits(shop.events, test_days=14, valid_days=14)
    X_valid, y_valid = valid.test_prefixes(8)
    model = SASRec(dim=16, blocks=2, heads=2, max_len=8, epochs=3, batch_size=64)
    stopper = ValidationStopping(model, X_valid, y_valid, patience=5)
    model.fit(valid.train, valid.n_items, callbacks=[stopper])
    X, y = valid.test_prefixes(8)
    return model, stopper, X, y


def test_attention_of_the_trained_model_gives_its_own_scores_and_is_causal(trained):
    model, _, X, _ = trained
    weights, scores = sasrec_attention(model, X[:40])
    assert len(weights) == 2 and weights[0].shape == (40, 2, 8, 8)
    own = model.score(X[:40])
    assert np.abs(scores[:, 1:] - own[:, 1:]).max() < 1e-4
    for w in weights:
        assert np.allclose(w.sum(axis=-1), 1.0, atol=1e-5)
        assert np.all(np.triu(np.ones((8, 8)), k=1)[None, None] * w < 1e-6)   # never looks ahead
        padded = (X[:40] == 0)[:, None, None, :] & ~np.eye(8, dtype=bool)[None, None]
        assert np.all(w[np.broadcast_to(padded, w.shape)] < 1e-6)              # nor at padding


def test_plot_attention_names_only_the_real_positions(trained):
    model, _, X, _ = trained
    row = int(np.flatnonzero((X > 0).sum(axis=1) == 3)[0])
    weights, _ = sasrec_attention(model, X[row:row + 1])
    ax = plot_attention(weights[0][0, 0], X[row], lambda c: f"item {c}")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"{i + 1}. item {c}" for i, c in enumerate(X[row][X[row] > 0])]
    with pytest.raises(ValueError, match="no item"):
        plot_attention(weights[0][0, 0], np.zeros(8, int), str)


def test_training_curves_draw_the_history_and_ring_the_best_epoch(trained):
    _, stopper, _, _ = trained
    history = stopper.history
    axes = plot_training_curves({"SASRec": history})
    assert list(axes[0].lines[0].get_ydata()) == [row["loss"] for row in history]
    assert list(axes[1].lines[0].get_ydata()) == [row["MRR@20"] for row in history]
    ring = axes[1].collections[0].get_offsets()[0]
    assert ring[0] == stopper.best_epoch and ring[1] == pytest.approx(stopper.best)
    with pytest.raises(ValueError, match="empty"):
        plot_training_curves({"GRU": []})


def titles(monkeypatch):
    drawn = []
    monkeypatch.setattr(widgets, "display", lambda fig: drawn.append(
        " | ".join([fig._suptitle.get_text() if fig._suptitle else ""] + [a.get_title() for a in fig.axes]
                   + [t.get_text() for t in fig.texts])))
    return drawn


def test_the_hidden_state_explorer_redraws_for_the_step_and_the_radius(monkeypatch):
    drawn = titles(monkeypatch)
    box = widgets.rnn_state_explorer(steps=20)
    step, radius = box.children[0].children
    step.value = 5
    radius.value = 2.0
    assert len(drawn) == 3 and len(set(drawn)) == 3
    assert "step t = 5" in drawn[1] and "spectral radius 2.0" in drawn[2]


def test_the_session_graph_explorer_redraws_for_another_session(monkeypatch, trained):
    drawn = titles(monkeypatch)
    model, _, X, y = trained
    sessions = [[3, 4, 3, 5, 6], [7, 8, 9, 7, 10, 11], [1, 2]]
    box = widgets.session_graph_explorer(sessions, {c: f"thing {c}" for c in range(12)}, model=model)
    assert [label for label, _ in box.children[0].options] == ["1: 5 views, 4 items", "2: 6 views, 5 items"]
    box.children[0].value = 1
    assert len(drawn) == 2 and drawn[0] != drawn[1]
    assert "held out: thing 6, ranked" in drawn[0] and "[A_in | A_out]" in drawn[0]


def test_the_attention_explorer_redraws_for_another_prefix_and_head(monkeypatch, trained):
    drawn = titles(monkeypatch)
    model, _, X, y = trained
    box = widgets.attention_explorer(model, X, y, min_items=3)
    prefix, head = box.children[0].children
    assert len(head.options) == 4   # 2 blocks x 2 heads
    prefix.value = 1
    head.value = (1, 1)
    assert len(drawn) == 3 and len(set(drawn)) == 3
    assert "block 2, head 2" in drawn[2]
