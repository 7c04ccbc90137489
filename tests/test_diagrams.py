"""The pictures of lessons 03-06 draw, and show what the library computes."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.evaluate.rolling import origins  # noqa: E402
from course_lib.models.cells import lstm_forward, lstm_trace  # noqa: E402
from course_lib.models.graph import session_graphs  # noqa: E402
from course_lib.show import diagrams  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("draw", [diagrams.draw_unrolled_rnn, diagrams.draw_lstm_cell,
                                  diagrams.draw_gru_cell, diagrams.draw_next_item_protocol])
def test_schematics_draw_on_one_axes(draw):
    ax = draw()
    assert ax.patches and ax.texts and ax.get_title()


def test_the_unrolled_rnn_has_one_cell_per_step():
    ax = diagrams.draw_unrolled_rnn(steps=5)
    assert texts(ax).count("tanh") == 5
    assert {f"$x_{t}$" for t in range(1, 6)} <= set(texts(ax))


def test_the_lstm_candidate_is_tanh_and_the_gates_sigmoid():
    labels = texts(diagrams.draw_lstm_cell())
    assert labels.count("σ") == 3 and labels.count("tanh") == 2   # candidate and output
    assert any("candidate" in t for t in labels)


def test_rolling_origins_are_the_evaluators_own():
    ax = diagrams.draw_rolling_origins(120, initial=60, horizon=6, step=6, valid_origins=4)
    n = len(origins(120, 60, 6, 6))
    assert f"{n} origins" in ax.get_title()
    forecasts = [p for p in ax.patches if p.get_x() >= 60 and p.get_width() == 6]
    assert len(forecasts) == n
    colours = [tuple(p.get_facecolor()) for p in sorted(forecasts, key=lambda p: p.get_x())]
    assert len(set(colours[:4])) == 1 and colours[4] != colours[0]   # validation, then test


def test_the_session_graph_shows_session_graphs_weights():
    session = [0, 0, 5, 9, 5, 7]
    axes = diagrams.draw_session_graph(session)
    _nodes, _alias, _A_in, A_out = session_graphs(np.array([session]))
    edge_labels = [t for t in texts(axes[0]) if t.replace(".", "").isdigit()]
    expected = sorted(f"{w:.2f}" for w in A_out[0][A_out[0] > 0])
    assert sorted(edge_labels) == expected == ["0.50", "0.50", "1.00"]
    assert sum(t.startswith("item") for t in texts(axes[0])) == 3


def test_lstm_trace_is_lstm_forward_and_the_sigmoid_candidate_never_goes_negative():
    rng = np.random.default_rng(0)
    x, W = rng.normal(size=(2, 40, 3)), rng.normal(size=(3, 16))
    U, b = rng.normal(size=(4, 16)), rng.normal(size=16)
    assert np.allclose(lstm_trace(x, W, U, b)["h"], lstm_forward(x, W, U, b))
    assert (lstm_trace(x, W, U, b, candidate="sigmoid")["c"] >= 0).all()
    assert (lstm_trace(x, W, U, b)["c"] < 0).any()
    remember = lstm_trace(x, W, U, b, gate_bias={"f": 4.0})["f"].mean()
    assert remember > lstm_trace(x, W, U, b)["f"].mean()
    with pytest.raises(ValueError, match="candidate"):
        lstm_trace(x, W, U, b, candidate="relu")


def test_the_gate_explorer_redraws_when_a_control_changes(monkeypatch):
    from course_lib.show import widgets

    drawn = []
    monkeypatch.setattr(widgets, "display", lambda fig: drawn.append(fig.axes[0].get_title()))
    box = widgets.gate_explorer(steps=30)
    box.children[0].value = "sigmoid"
    box.children[1].children[0].value = 2.0
    assert len(drawn) == 3 and len(set(drawn)) == 3
    assert "candidate sigmoid" in drawn[1] and "f +2.0" in drawn[2]
