"""Interactive explorers (ipywidgets) used in the lessons.

Each returns a widget to display; the figures they draw come from
:mod:`course_lib.show.plots`, so the static and the interactive view agree.
"""
from __future__ import annotations

import ipywidgets as widgets
from IPython.display import display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from course_lib.models.arma import is_invertible, is_stationary, simulate_arma
from course_lib.models.attention import sasrec_attention
from course_lib.models.cells import hidden_state_jacobian_norms, lstm_trace, rnn_forward
from course_lib.models.graph import session_graphs
from course_lib.show.attention_map import plot_attention, real_positions
from course_lib.show.diagrams import draw_session_graph
from course_lib.show.plots import plot_acf_pacf, plot_user_timeline


def user_timeline_explorer(events: pd.DataFrame, n_users: int = 30):
    """Lesson 00: pick one of the most active users and see their sessions in time."""
    active = events["user_id"].value_counts().index[:n_users].tolist()
    picker = widgets.Dropdown(options=active, value=active[0], description="user")
    only_buyers = widgets.Checkbox(value=False, description="users who bought only")
    out = widgets.Output()
    buyers = set(events.loc[events["event_type"] == "purchase", "user_id"])

    def draw(*_):
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(9, 3))
            plot_user_timeline(events, picker.value, ax=ax)
            display(fig)
            plt.close(fig)

    def refilter(*_):
        options = [u for u in active if u in buyers] if only_buyers.value else active
        picker.options = options or active

    picker.observe(draw, names="value")
    only_buyers.observe(refilter, names="value")
    draw()
    return widgets.VBox([widgets.HBox([picker, only_buyers]), out])


def arma_simulator(kind: str = "AR", n: int = 300, lags: int = 20, seed: int = 0):
    """Lessons 01 and 02: sliders for the coefficients and the noise; series, ACF, PACF redrawn.

    ``kind="AR"`` gives sliders for phi_1 and phi_2, ``kind="MA"`` for theta_1 and
    theta_2. The simulation is :func:`course_lib.models.arma.simulate_arma`.
    """
    symbol = "φ" if kind.upper() == "AR" else "θ"
    first = widgets.FloatSlider(value=0.6, min=-1.2, max=1.2, step=0.05, description=f"{symbol}₁",
                                continuous_update=False)
    second = widgets.FloatSlider(value=0.0, min=-1.0, max=1.0, step=0.05, description=f"{symbol}₂",
                                 continuous_update=False)
    sigma = widgets.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1, description="σ (noise)",
                                continuous_update=False)
    out = widgets.Output()

    def draw(*_):
        coeffs = [first.value, second.value]
        if kind.upper() == "AR":
            x = simulate_arma(ar=coeffs, n=n, sigma=sigma.value, seed=seed)
            verdict = "stationary" if is_stationary(coeffs) else "NOT stationary"
        else:
            x = simulate_arma(ma=coeffs, n=n, sigma=sigma.value, seed=seed)
            verdict = "invertible" if is_invertible(coeffs) else "NOT invertible"
        with out:
            out.clear_output(wait=True)
            fig = plt.figure(figsize=(11, 5.5))
            top = fig.add_subplot(2, 1, 1)
            top.plot(x, lw=0.8)
            top.set_title(f"{kind.upper()}(2) with {symbol}₁={coeffs[0]:.2f}, {symbol}₂={coeffs[1]:.2f}, "
                          f"σ={sigma.value:.1f}: {verdict}")
            if np.isfinite(x).all():
                plot_acf_pacf(x, lags=lags, axes=[fig.add_subplot(2, 2, 3), fig.add_subplot(2, 2, 4)])
            else:
                top.text(0.5, 0.5, "the series exploded: no ACF to show", transform=top.transAxes,
                         ha="center")
            fig.tight_layout()
            display(fig)
            plt.close(fig)

    for w in (first, second, sigma):
        w.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([first, second, sigma]), out])


def gate_explorer(steps: int = 150, units: int = 4, seed: int = 0):
    """Lesson 05: one sequence through an LSTM; pick the candidate (tanh or the article's sigmoid),
    shift the gate biases, and watch the gates and the cell state redrawn.

    The weights are small random numbers (seeded); the step is
    :func:`course_lib.models.cells.lstm_trace`. The faint lines show the cell
    state with the other candidate, for comparison.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(1, steps, 2))
    W = rng.normal(scale=0.8, size=(2, 4 * units))
    U = rng.normal(scale=0.4, size=(units, 4 * units))
    b = np.zeros(4 * units)
    candidate = widgets.ToggleButtons(options=["tanh", "sigmoid"], value="tanh", description="candidate")
    shifts = {gate: widgets.FloatSlider(value=0.0, min=-4.0, max=4.0, step=0.5, description=f"{gate} bias",
                                        continuous_update=False)
              for gate in ("f", "i", "o")}
    out = widgets.Output()

    def draw(*_):
        bias = {gate: slider.value for gate, slider in shifts.items()}
        other = "sigmoid" if candidate.value == "tanh" else "tanh"
        trace = lstm_trace(x, W, U, b, candidate=candidate.value, gate_bias=bias)
        compare = lstm_trace(x, W, U, b, candidate=other, gate_bias=bias)
        with out:
            out.clear_output(wait=True)
            fig, axes = plt.subplots(3, 1, figsize=(10, 6.2), sharex=True,
                                     gridspec_kw={"height_ratios": [1, 1.2, 2]})
            axes[0].plot(x[0], lw=0.7)
            axes[0].set_ylabel("input $x_t$")
            for gate, colour in (("f", "#0072b2"), ("i", "#e69f00"), ("o", "#009e73")):
                axes[1].plot(trace[gate][0].mean(axis=1), color=colour, lw=1, label=f"{gate} (mean over units)")
            axes[1].set_ylim(0, 1)
            axes[1].set_ylabel("gate")
            axes[1].legend(fontsize=7, ncol=3, loc="upper right")
            axes[2].plot(compare["c"][0], color="#bbbbbb", lw=0.7)
            axes[2].plot(trace["c"][0], lw=1.1)
            axes[2].axhline(0, color="black", lw=0.6)
            axes[2].set_ylabel("cell state $c_t$")
            axes[2].set_xlabel("time step")
            negative = np.mean(trace["c"][0] < 0)
            axes[0].set_title(f"candidate {candidate.value}, bias shifts f {bias['f']:+.1f}, i {bias['i']:+.1f}, "
                              f"o {bias['o']:+.1f}: {negative:.0%} of cell values negative, "
                              f"largest |c| {np.abs(trace['c']).max():.1f} (grey: {other})", fontsize=9)
            fig.tight_layout()
            display(fig)
            plt.close(fig)

    candidate.observe(draw, names="value")
    for slider in shifts.values():
        slider.observe(draw, names="value")
    draw()
    return widgets.VBox([candidate, widgets.HBox(list(shifts.values())), out])


def _show(out, fig) -> None:
    """Draw ``fig`` into the Output widget ``out`` (replacing what it showed) and close it."""
    with out:
        out.clear_output(wait=True)
        display(fig)
        plt.close(fig)


def rnn_state_explorer(steps: int = 40, units: int = 12, seed: int = 0):
    """Lesson 04: one sequence through a tanh RNN; a slider picks the step t, another the
    spectral radius of the recurrent weights.

    Top: every hidden state over time, the chosen step marked. Bottom: how much
    each earlier state can still change h_t, ‖∂h_t / ∂h_(t−k)‖ for k = 0..t
    (:func:`course_lib.models.cells.hidden_state_jacobian_norms`), the quantity
    back-propagation through time multiplies along.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(1, steps, 3))
    W_in = rng.normal(scale=0.5, size=(3, units))
    base = rng.normal(size=(units, units))
    base /= np.max(np.abs(np.linalg.eigvals(base)))      # spectral radius 1
    step = widgets.IntSlider(value=steps - 1, min=1, max=steps - 1, description="step t",
                             continuous_update=False)
    radius = widgets.FloatSlider(value=0.9, min=0.1, max=2.5, step=0.1, description="radius",
                                 continuous_update=False)
    out = widgets.Output()

    def draw(*_):
        W_rec = radius.value * base
        states = rnn_forward(x, W_in, W_rec, np.zeros(units))[0]
        t = step.value
        norms = hidden_state_jacobian_norms(W_rec, states[:t + 1], max_lag=t)
        fig, axes = plt.subplots(2, 1, figsize=(10, 5.4), gridspec_kw={"height_ratios": [1.1, 1]})
        axes[0].imshow(states.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1)
        axes[0].axvline(t, color="black", lw=1.5)
        axes[0].set_ylabel("unit of $h_t$")
        axes[0].set_xlabel("time step")
        axes[0].set_title(f"hidden states (red +1, blue −1), spectral radius {radius.value:.1f}; "
                          f"step t = {t} marked", fontsize=10)
        lags = np.arange(len(norms))
        axes[1].semilogy(t - lags, np.maximum(norms, 1e-30), "o-", ms=3)
        axes[1].set_xlim(axes[0].get_xlim())
        axes[1].set_xlabel("earlier step t − k")
        axes[1].set_ylabel("‖∂h_t / ∂h_(t−k)‖")
        back = min(10, t)
        axes[1].set_title(f"a state {back} steps before t changes h_t by a factor of at most "
                          f"{norms[back]:.1e}", fontsize=10)
        fig.tight_layout()
        _show(out, fig)

    step.observe(draw, names="value")
    radius.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([step, radius]), out])


def _label_maker(names):
    if names is None:
        return lambda code: f"item {code}"
    if callable(names):
        return names
    return lambda code: str(names.get(code, f"item {code}"))


def session_graph_explorer(sessions, names=None, model=None, n_sessions: int = 12, top: int = 5,
                           max_nodes: int = 6):
    """Lesson 06: pick a session, see it as SR-GNN's graph and the adjacency SR-GNN reads.

    ``sessions``: item-code sequences (e.g. test sessions with a revisit or
    two); ``names``: code -> label (a dict or a function). Left and middle:
    :func:`course_lib.show.diagrams.draw_session_graph`; right: the matrix
    [A_in | A_out] of :func:`course_lib.models.graph.session_graphs` for the
    session but its last item. With a fitted ``model`` (anything with
    ``score(X)``), the title says where it ranks the held-out last item and
    lists its top ``top`` items. Sessions of 3 to ``max_nodes`` distinct items
    are offered (bigger graphs do not fit a picture), the first ``n_sessions``.
    """
    label = _label_maker(names)
    max_len = getattr(model, "max_len", 10)
    chosen = []
    for s in sessions:
        s = np.asarray(s, dtype="int64")[-(max_len + 1):]
        if 3 <= len(set(s[:-1].tolist())) <= max_nodes and len(chosen) < n_sessions:
            chosen.append(s)
    if not chosen:
        raise ValueError(f"no session of 3 to {max_nodes} distinct items to show")
    options = [(f"{i + 1}: {len(s)} views, {len(set(s.tolist()))} items", i) for i, s in enumerate(chosen)]
    picker = widgets.Dropdown(options=options, value=0, description="session",
                              layout=widgets.Layout(width="340px"))
    out = widgets.Output()

    def draw(*_):
        session = chosen[picker.value]
        prefix, target = session[:-1], int(session[-1])
        fig = plt.figure(figsize=(14, 4.6))
        grid = fig.add_gridspec(1, 3, width_ratios=[1, 1, 1.15])
        axes = [fig.add_subplot(grid[0, i]) for i in range(3)]
        draw_session_graph(prefix, names={int(c): label(int(c)).rsplit(" ", 1)[0][:14] + "\n"
                                          + label(int(c)).rsplit(" ", 1)[-1] for c in prefix}, axes=axes[:2])
        fig.suptitle("session " + " → ".join(label(int(c)) for c in prefix), fontsize=10)
        X = np.zeros((1, max_len), "int64")
        kept = prefix[-max_len:]
        X[0, max_len - len(kept):] = kept
        nodes, _alias, A_in, A_out = session_graphs(X)
        k = int((nodes[0] > 0).sum())
        matrix = np.concatenate([A_in[0, :k, :k], A_out[0, :k, :k]], axis=1)
        axes[2].imshow(matrix, cmap="Blues", vmin=0, vmax=1)
        node_names = [label(int(c)) for c in nodes[0, :k]]
        axes[2].set_yticks(range(k), node_names, fontsize=7)
        axes[2].set_xticks(range(2 * k), node_names * 2, fontsize=7, rotation=60, ha="right")
        axes[2].axvline(k - 0.5, color="black", lw=1)
        for i in range(k):
            for j in range(2 * k):
                if matrix[i, j] > 0:
                    axes[2].text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=7,
                                 color="white" if matrix[i, j] > 0.6 else "black")
        axes[2].set_title("SR-GNN's input [A_in | A_out]", fontsize=10)
        note = f"held out: {label(target)}"
        if model is not None:
            scores = np.asarray(model.score(X))[0]
            rank = int((scores > scores[target]).sum()) + 1
            best = [label(int(c)) for c in np.argsort(-scores)[:top]]
            note += f", ranked {rank} by {model.name}; its top {top}: " + ", ".join(best)
        fig.text(0.5, 0.01, note, ha="center", fontsize=9)
        fig.subplots_adjust(bottom=0.2)
        _show(out, fig)

    picker.observe(draw, names="value")
    draw()
    return widgets.VBox([picker, out])


def attention_explorer(model, X, y, names=None, n_prefixes: int = 12, min_items: int = 4):
    """Lesson 07: pick a test prefix (and a block and head) and see the trained SASRec's attention.

    ``model``: a fitted :class:`course_lib.models.attention.SASRec`; ``X``,
    ``y``: test prefixes and their targets; the first ``n_prefixes`` prefixes
    holding at least ``min_items`` items are offered. The weights and the
    scores come from one pass of the trained network
    (:func:`course_lib.models.attention.sasrec_attention`). Left: the map of
    weights; right: where the last position, the one that predicts, looks.
    """
    label = _label_maker(names)
    X, y = np.asarray(X), np.asarray(y)
    rows = [i for i in range(len(X)) if (X[i] > 0).sum() >= min_items][:n_prefixes]
    if not rows:
        raise ValueError(f"no prefix with at least {min_items} items")
    weights, scores = sasrec_attention(model, X[rows])
    ranks = (scores > scores[np.arange(len(rows)), y[rows]][:, None]).sum(axis=1) + 1
    picker = widgets.Dropdown(options=[(f"prefix {k + 1}: {(X[r] > 0).sum()} items, next "
                                        f"{label(int(y[r]))}", k) for k, r in enumerate(rows)],
                              value=0, description="prefix", layout=widgets.Layout(width="420px"))
    heads = [(f"block {b + 1}, head {h + 1}", (b, h)) for b in range(len(weights))
             for h in range(weights[b].shape[1])]
    head = widgets.Dropdown(options=heads, value=heads[0][1], description="head")
    out = widgets.Output()

    def draw(*_):
        k, (b, h) = picker.value, head.value
        prefix = X[rows[k]]
        w = weights[b][k, h]
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1.2, 1]})
        plot_attention(w, prefix, label, ax=axes[0], title=f"block {b + 1}, head {h + 1}")
        keep = real_positions(prefix)
        last = w[keep[-1], keep]
        axes[1].barh([f"{i + 1}. {label(int(prefix[p]))}" for i, p in enumerate(keep)][::-1], last[::-1],
                     color="#0072b2")
        axes[1].set_xlim(0, 1)
        axes[1].set_xlabel("weight of the last position's query")
        axes[1].set_title(f"prefix {k + 1}, next item {label(int(y[rows[k]]))}: ranked {ranks[k]} of "
                          f"{scores.shape[1] - 1} by {model.name}", fontsize=10)
        fig.tight_layout()
        _show(out, fig)

    picker.observe(draw, names="value")
    head.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([picker, head]), out])
