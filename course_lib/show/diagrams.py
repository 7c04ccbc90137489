"""Diagrams drawn by code, so they stay true to the library (lessons 03-06).

Each function draws with Matplotlib on the ``ax`` it is given (a new figure if
none) and returns it: an unrolled RNN (lesson 04), the LSTM and GRU cells with
their gates (05), the next-item protocol (05), rolling origins with a
validation block (03), and a session drawn as its graph (06). Where a picture
shows something the library computes (the origins, a session graph's
normalised weights), it calls the library rather than redrawing by hand.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

from course_lib.evaluate.rolling import origins
from course_lib.models.graph import session_graphs

GATE = "#cfe3f3"        # sigmoid gates
CANDIDATE = "#f6d7a7"   # tanh candidate
CELL = "#d9ecd0"        # cell / state boxes
TRAIN, VALID, TEST = "#9aa7b4", "#e69f00", "#009e73"


def _axes(ax, size):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _box(ax, x, y, text, *, w=1.0, h=0.6, color=CELL, size=10, weight="normal"):
    """A rounded box centred on (x, y) with its label."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04",
                                facecolor=color, edgecolor="#333333", lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=size, weight=weight)


def _node(ax, x, y, symbol, r=0.22):
    """A small circle holding an operation (× or +)."""
    ax.add_patch(Circle((x, y), r, facecolor="white", edgecolor="#333333", lw=1, zorder=3))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=11, zorder=4)


def _arrow(ax, start, end, *, color="#333333", lw=1.2, style="-|>", rad=0.0, text=None,
           text_offset=(0, 0.15), size=9):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=11, color=color,
                                 lw=lw, shrinkA=2, shrinkB=2, connectionstyle=f"arc3,rad={rad}"))
    if text:
        ax.text((start[0] + end[0]) / 2 + text_offset[0], (start[1] + end[1]) / 2 + text_offset[1],
                text, ha="center", va="bottom", fontsize=size)


def _blank(ax, xlim, ylim):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_unrolled_rnn(steps: int = 4, ax=None):
    """Lesson 04: the recurrence as a loop, and the same cell unrolled over ``steps`` inputs."""
    ax = _axes(ax, (11, 3.6))
    # folded: one cell with a loop
    _box(ax, 0.8, 1.5, "RNN", w=1.1, h=0.8)
    _arrow(ax, (0.8, 0.2), (0.8, 1.08), text=None)
    ax.text(0.8, 0.0, "$x_t$", ha="center", va="top", fontsize=11)
    _arrow(ax, (0.8, 1.92), (0.8, 2.8))
    ax.text(0.8, 2.85, "$h_t$", ha="center", va="bottom", fontsize=11)
    _arrow(ax, (1.36, 1.7), (1.36, 1.3), rad=-2.2, text=None)
    ax.text(1.95, 1.5, "$h_{t-1}$", ha="left", va="center", fontsize=10)
    ax.text(3.0, 1.5, "=", ha="center", va="center", fontsize=22)
    # unrolled
    start, gap = 4.9, 2.2
    labels = [f"{t}" for t in range(1, steps + 1)]
    ax.text(start - 0.95, 1.62, "$h_0 = 0$", ha="center", va="bottom", fontsize=10)
    for k, t in enumerate(labels):
        x = start + k * gap
        _box(ax, x, 1.5, "tanh", w=1.1, h=0.8)
        _arrow(ax, (x, 0.2), (x, 1.08))
        ax.text(x, 0.0, f"$x_{t}$", ha="center", va="top", fontsize=11)
        _arrow(ax, (x, 1.92), (x, 2.8))
        ax.text(x, 2.85, f"$h_{t}$", ha="center", va="bottom", fontsize=11)
        left = (x - gap + 0.57, 1.5) if k else (start - 1.35, 1.5)
        _arrow(ax, left, (x - 0.57, 1.5), text="$W_h$" if k else None, size=9)
    ax.text(start + (steps - 1) * gap / 2, -0.75,
            r"the same $W_x$, $W_h$, $b$ at every step:  $h_t = \tanh(x_t W_x + h_{t-1} W_h + b)$",
            ha="center", va="top", fontsize=10)
    _blank(ax, (-0.2, start + (steps - 1) * gap + 1.0), (-1.3, 3.4))
    ax.set_title("A recurrent network, folded (left) and unrolled in time (right)", fontsize=11)
    return ax


def draw_lstm_cell(ax=None):
    """Lesson 05: one LSTM step, its three σ gates and the tanh candidate on the additive cell path."""
    ax = _axes(ax, (10, 5))
    y_c, y_gate, y_in = 5.0, 2.3, 0.9
    # the cell state path: multiplied by f, then added to
    ax.text(-0.05, y_c, "$c_{t-1}$", ha="right", va="center", fontsize=12)
    _arrow(ax, (0.0, y_c), (1.98, y_c), lw=2)
    _node(ax, 2.2, y_c, "×")
    _arrow(ax, (2.42, y_c), (4.38, y_c), lw=2)
    _node(ax, 4.6, y_c, "+")
    _arrow(ax, (4.82, y_c), (10.0, y_c), lw=2)
    ax.text(10.05, y_c, "$c_t$", ha="left", va="center", fontsize=12)
    ax.text(5.9, y_c + 0.25, "cell state: changed only by × and +", fontsize=9, color="#555555")
    # the gates, fed by [h_{t-1}, x_t]
    gates = [(2.2, "σ", "$f_t$ forget", GATE), (3.9, "σ", "$i_t$ input", GATE),
             (5.3, "tanh", "$g_t$ candidate", CANDIDATE), (6.9, "σ", "$o_t$ output", GATE)]
    _arrow(ax, (0.0, y_in), (7.3, y_in), style="-", lw=1.2)
    ax.text(-0.05, y_in, "$h_{t-1}$", ha="right", va="center", fontsize=12)
    _arrow(ax, (1.0, -0.3), (1.0, y_in), style="-")
    ax.text(1.0, -0.35, "$x_t$", ha="center", va="top", fontsize=12)
    for x, fn, label, colour in gates:
        _arrow(ax, (x, y_in), (x, y_gate - 0.32))
        _box(ax, x, y_gate, fn, w=0.9, h=0.6, color=colour, weight="bold" if fn == "tanh" else "normal")
        ax.text(x, y_gate - 0.55, label, ha="center", va="top", fontsize=8.5)
    _arrow(ax, (2.2, y_gate + 0.32), (2.2, y_c - 0.24))
    _node(ax, 4.6, 3.6, "×")
    _arrow(ax, (3.9, y_gate + 0.32), (4.45, 3.45))
    _arrow(ax, (5.3, y_gate + 0.32), (4.75, 3.45))
    _arrow(ax, (4.6, 3.82), (4.6, y_c - 0.24))
    # the output: h_t = o ⊙ tanh(c_t)
    _arrow(ax, (8.4, y_c), (8.4, 4.12))
    _box(ax, 8.4, 3.8, "tanh", w=0.9, h=0.6, color=CANDIDATE)
    _node(ax, 8.4, y_gate, "×")
    _arrow(ax, (8.4, 3.48), (8.4, y_gate + 0.24))
    _arrow(ax, (7.37, y_gate), (8.17, y_gate))
    _arrow(ax, (8.62, y_gate), (10.0, y_gate), lw=2)
    ax.text(10.05, y_gate, "$h_t$", ha="left", va="center", fontsize=12)
    ax.text(5.0, -1.05, "σ gates give shares in (0, 1); the candidate $g_t$ and the output use tanh, in (−1, 1).\n"
            "With σ there (as in the source article) $i_t \\odot g_t$ is never negative: the cell could only grow.",
            ha="center", va="top", fontsize=9)
    _blank(ax, (-1.0, 10.8), (-1.9, 5.8))
    ax.set_title(r"LSTM cell: $c_t = f_t \odot c_{t-1} + i_t \odot g_t$,  $h_t = o_t \odot \tanh(c_t)$",
                 fontsize=11)
    return ax


def draw_gru_cell(ax=None):
    """Lesson 05: one GRU step (Keras's convention h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃)."""
    ax = _axes(ax, (10, 5))
    y_h, y_gate, y_in = 5.0, 2.3, 0.9
    ax.text(-0.05, y_h, "$h_{t-1}$", ha="right", va="center", fontsize=12)
    _arrow(ax, (0.0, y_h), (4.78, y_h), lw=2)
    _node(ax, 5.0, y_h, "×")
    _arrow(ax, (5.22, y_h), (7.78, y_h), lw=2)
    _node(ax, 8.0, y_h, "+")
    _arrow(ax, (8.22, y_h), (10.0, y_h), lw=2)
    ax.text(10.05, y_h, "$h_t$", ha="left", va="center", fontsize=12)
    # inputs
    _arrow(ax, (0.0, y_in), (6.5, y_in), style="-")
    ax.text(-0.05, y_in, "$h_{t-1}$", ha="right", va="center", fontsize=12)
    _arrow(ax, (0.8, -0.3), (0.8, y_in), style="-")
    ax.text(0.8, -0.35, "$x_t$", ha="center", va="top", fontsize=12)
    for x, fn, label, colour in [(2.0, "σ", "$r_t$ reset", GATE), (3.6, "σ", "$z_t$ update", GATE),
                                 (6.1, "tanh", r"$\tilde h_t$ candidate", CANDIDATE)]:
        _arrow(ax, (x, y_in), (x, y_gate - 0.32))
        _box(ax, x, y_gate, fn, w=0.9, h=0.6, color=colour, weight="bold" if fn == "tanh" else "normal")
        ax.text(x, y_gate - 0.55, label, ha="center", va="top", fontsize=8.5)
    # reset gate scales the recurrent part of the candidate
    _node(ax, 2.0, 3.7, "×")
    _arrow(ax, (2.0, y_gate + 0.32), (2.0, 3.48))
    _arrow(ax, (1.2, y_h), (1.82, 3.86), text=None)
    ax.text(1.2, 4.2, r"$h_{t-1} U_h$", ha="right", va="center", fontsize=8.5)
    _arrow(ax, (2.22, 3.7), (5.75, y_gate + 0.3), rad=-0.15)
    # update gate: z keeps the old state, 1 - z takes the candidate
    _arrow(ax, (3.6, y_gate + 0.32), (4.82, y_h - 0.15), text="$z_t$", text_offset=(-0.35, 0))
    _box(ax, 4.6, 3.3, "1 − z", w=0.8, h=0.45, color="white", size=9)
    _arrow(ax, (3.6, y_gate + 0.32), (4.3, 3.15))
    _node(ax, 8.0, 3.3, "×")
    _arrow(ax, (5.0, 3.3), (7.78, 3.3))
    _arrow(ax, (6.1, y_gate + 0.32), (7.82, 3.15))
    _arrow(ax, (8.0, 3.52), (8.0, y_h - 0.24))
    ax.text(5.0, -1.05, "two gates, no separate cell: $z_t$ decides how much of the old state stays,\n"
            r"$r_t$ how much of it the candidate $\tilde h_t$ may use", ha="center", va="top", fontsize=9)
    _blank(ax, (-1.0, 10.8), (-1.9, 5.8))
    ax.set_title(r"GRU cell: $h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t$,  "
                 r"$\tilde h_t = \tanh(x_t W_h + b_h + r_t \odot (h_{t-1} U_h + b'_h))$", fontsize=11)
    return ax


def draw_rolling_origins(n: int, initial: int, horizon: int, step: int, valid_origins: int = 0,
                         ax=None, max_rows: int = 14):
    """Lessons 03 and 09: each origin's training span and forecast window, validation then test.

    The origins are :func:`course_lib.evaluate.rolling.origins` itself. The first
    ``valid_origins`` form the validation block (where choices are made); the
    rest test. With many origins only every k-th row is drawn (the title says so).
    """
    points = origins(n, initial, horizon, step)
    ax = _axes(ax, (10, 4))
    shown = list(range(len(points)))
    if len(points) > max_rows:
        stride = int(np.ceil(len(points) / max_rows))
        shown = sorted(set(range(0, len(points), stride)) | {valid_origins - 1, valid_origins, len(points) - 1}
                       - {-1, len(points)})
    for row, k in enumerate(shown):
        origin = points[k]
        y = len(shown) - row
        colour, block = (VALID, "validation") if k < valid_origins else (TEST, "test")
        ax.add_patch(Rectangle((0, y - 0.35), origin, 0.7, facecolor=TRAIN, edgecolor="none"))
        ax.add_patch(Rectangle((origin, y - 0.35), min(horizon, n - origin), 0.7, facecolor=colour,
                               edgecolor="none"))
        ax.text(-n * 0.01, y, f"origin {k + 1}", ha="right", va="center", fontsize=8)
    ax.set_xlim(-n * 0.12, n * 1.02)
    ax.set_ylim(0.3, len(shown) + 0.9)
    ax.set_yticks([])
    ax.set_xlabel("time (index of the series)")
    for spine in ("left", "right", "top"):
        ax.spines[spine].set_visible(False)
    handles = [Rectangle((0, 0), 1, 1, color=TRAIN, label="fitted on (all data before the origin)")]
    if valid_origins:
        handles.append(Rectangle((0, 0), 1, 1, color=VALID, label=f"forecast, validation ({valid_origins} origins: choose here)"))
    handles.append(Rectangle((0, 0), 1, 1, color=TEST, label=f"forecast, test ({len(points) - valid_origins} origins: judge here)"))
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, bbox_to_anchor=(0, -0.18), ncol=1)
    drawn = "" if len(shown) == len(points) else f" ({len(shown)} of them drawn)"
    ax.set_title(f"Rolling origins: {len(points)} origins{drawn}, first fit on {initial} values, "
                 f"horizon {horizon}, step {step}", fontsize=10)
    return ax


def draw_next_item_protocol(test_days: int = 14, valid_days: int = 14, max_len: int = 10, ax=None):
    """Lesson 05: the time split (train | validation | test) and how one test session is scored."""
    ax = _axes(ax, (10, 4.2))
    train_days = 3 * (test_days + valid_days)
    blocks = [(0, train_days, TRAIN, "training\nfit the candidates"),
              (train_days, valid_days, VALID, f"validation\n{valid_days} days\ntune"),
              (train_days + valid_days, test_days, TEST, f"test\n{test_days} days\njudge once")]
    for start, width, colour, label in blocks:
        ax.add_patch(Rectangle((start, 3.0), width, 1.0, facecolor=colour, edgecolor="white", lw=2))
        ax.text(start + width / 2, 3.5, label, ha="center", va="center", fontsize=9)
    total = train_days + valid_days + test_days
    # the test's models: the chosen settings, refitted on everything before the test
    ax.annotate("", (train_days + valid_days, 4.2), (0, 4.2),
                arrowprops=dict(arrowstyle="<->", color="#333333"))
    ax.text((train_days + valid_days) / 2, 4.3, "then the chosen models are refitted on training + "
            "validation, for the test", ha="center", va="bottom", fontsize=8.5)
    ax.annotate("", (total, 2.8), (0, 2.8), arrowprops=dict(arrowstyle="->", color="#333333"))
    ax.text(total, 2.65, "time (not to scale)", ha="right", va="top", fontsize=9)
    # one test session, unfolded into prefixes and targets
    items = ["a", "b", "c", "d"]
    ax.text(0, 2.2, "One test session a → b → c → d gives three cases, each scored against every item:",
            fontsize=9, va="center")
    for k in range(1, len(items)):
        y = 2.1 - 0.45 * k
        prefix = "[" + ", ".join(["0"] * (len(items) - 1 - k) + items[:k]) + "]"
        ax.text(2, y, f"prefix {prefix}", fontsize=9, family="monospace", va="center")
        ax.text(total * 0.42, y, f"→ rank all items; at which rank is '{items[k]}'?", fontsize=9, va="center")
    ax.text(0, 0.2, f"Prefixes are left-padded with 0 and cut to the last {max_len} items. "
            "Ties count against the model. Metrics: HR@K, MRR@20, NDCG@10.", fontsize=8.5, va="center",
            color="#333333")
    ax.set_xlim(-1, total + 1)
    ax.set_ylim(0, 4.7)
    ax.axis("off")
    ax.set_title("Next-item protocol: one global time split; every next event of a test session is "
                 "ranked against the whole catalogue", fontsize=10)
    return ax


def draw_session_graph(session, names=None, axes=None):
    """Lesson 06: a session as SR-GNN's graph, with the normalised weights of A_out and A_in.

    ``session``: item codes in viewing order. The graph and its weights come from
    :func:`course_lib.models.graph.session_graphs`: each distinct item is a node,
    each transition an edge; A_out divides by a node's out-degree, A_in by its
    in-degree. ``names``: optional mapping code -> label.
    """
    codes = np.asarray(session, dtype="int64")
    nodes, _alias, A_in, A_out = session_graphs(codes[None, :])
    k = int((nodes[0] > 0).sum())
    items = nodes[0, :k]
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    angle = np.pi / 2 - 2 * np.pi * np.arange(k) / k
    where = np.c_[np.cos(angle), np.sin(angle)] * 1.4
    label = (lambda c: str(names.get(int(c), c))) if names else (lambda c: f"item {int(c)}")
    for ax, matrix, kind in [(axes[0], A_out[0], "A_out: each row ÷ out-degree"),
                             (axes[1], A_in[0], "A_in: each row ÷ in-degree")]:
        for u in range(k):
            for v in range(k):
                weight = A_out[0, u, v] if kind.startswith("A_out") else A_in[0, v, u]
                if A_out[0, u, v] <= 0:
                    continue
                if u == v:
                    loop = where[u] * 1.33
                    ax.add_patch(Circle(loop, 0.22, fill=False, color="#0072b2", lw=1.2))
                    ax.text(*(where[u] * 1.62), f"{weight:.2f}", ha="center", va="center", fontsize=9,
                            color="#0072b2")
                    continue
                direction = (where[v] - where[u]) / np.linalg.norm(where[v] - where[u])
                start, end = where[u] + 0.38 * direction, where[v] - 0.38 * direction
                two_way = A_out[0, v, u] > 0
                _arrow(ax, tuple(start), tuple(end), color="#0072b2", lw=1.4, rad=0.25 if two_way else 0.0)
                middle = (start + end) / 2
                normal = np.array([-(end - start)[1], (end - start)[0]])
                normal = normal / (np.linalg.norm(normal) + 1e-9)
                spot = middle - normal * (0.28 if two_way else 0.15)
                ax.text(*spot, f"{weight:.2f}", ha="center", va="center", fontsize=9, color="#0072b2",
                        bbox=dict(facecolor="white", edgecolor="none", pad=0.5))
        for u in range(k):
            ax.add_patch(Circle(where[u], 0.36, facecolor=CELL, edgecolor="#333333", zorder=3))
            ax.text(*where[u], label(items[u]), ha="center", va="center", fontsize=8.5, zorder=4)
        ax.set_title(kind, fontsize=10)
        _blank(ax, (-2.3, 2.3), (-2.2, 2.3))
    sequence = " → ".join(label(c) for c in codes if c > 0)
    axes[0].figure.suptitle(f"session {sequence}: {k} nodes, {int((A_out[0] > 0).sum())} edges", fontsize=11)
    return axes
