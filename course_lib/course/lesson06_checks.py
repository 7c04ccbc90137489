"""Checkers for the exercises of lesson 06 (solutions/06_graph_neural_networks.ipynb)."""
from __future__ import annotations

import numpy as np

from course_lib.models.graph import dense_propagation, gcn_normalise, session_graphs
from course_lib.course.exercise import CORRECT, NOT_ATTEMPTED, WRONG, close, is_missing, report, whole_number


def gcn_weight(answer, senders, receivers, n_nodes: int, u: int, v: int) -> None:
    """06.1: the GCN weight of the edge u -> v, self-loops included in the degrees."""
    if is_missing(answer):
        return report("06.1", NOT_ATTEMPTED)
    s, r, w = gcn_normalise(senders, receivers, n_nodes)
    expected = float(w[(s == u) & (r == v)][0])
    if close(answer, expected):
        return report("06.1", CORRECT, "1/sqrt(d_u d_v), with each node counted as its own neighbour.")
    deg = np.bincount(np.asarray(receivers), minlength=n_nodes)
    if close(answer, 1 / np.sqrt(max(deg[u], 1) * max(deg[v], 1))):
        return report("06.1", WRONG, "hint: add the self-loops before counting the degrees.")
    return report("06.1", WRONG, "hint: the degree counts incoming edges plus the self-loop; "
                                 "the weight is 1/sqrt(d_u · d_v).")


def one_propagation(answer, h, senders, receivers, n_nodes: int) -> None:
    """06.2: one step of plain message passing (no weights): sum of in-neighbours' states."""
    if is_missing(answer):
        return report("06.2", NOT_ATTEMPTED)
    ones = np.ones(len(senders))
    expected = dense_propagation(h, senders, receivers, ones, n_nodes)
    answer = np.asarray(answer, float)
    if close(answer, expected):
        return report("06.2", CORRECT, "gather the senders' rows, then add them up per receiver.")
    if close(answer, dense_propagation(h, receivers, senders, ones, n_nodes)):
        return report("06.2", WRONG, "hint: messages flow from sender to receiver; you summed "
                                     "them at the senders.")
    return report("06.2", WRONG, "hint: out[v] = Σ h[u] over the edges u -> v; np.add.at helps.")


def session_graph_size(answer, prefix) -> None:
    """06.3: (nodes, directed edges) of the session graph of one prefix."""
    if is_missing(answer):
        return report("06.3", NOT_ATTEMPTED)
    nodes, _, _, A_out = session_graphs(np.asarray([prefix]))
    expected = (int((nodes[0] > 0).sum()), int((A_out[0] > 0).sum()))
    if isinstance(answer, str) or not hasattr(answer, "__len__") or len(answer) != 2:
        return report("06.3", WRONG, "hint: answer with a pair (nodes, edges).")
    given = tuple(whole_number(a) for a in answer)
    if None in given:
        return report("06.3", WRONG, "hint: nodes and edges are counts: two whole numbers.")
    if given == expected:
        return report("06.3", CORRECT, "repeated items are one node; repeated transitions one edge.")
    items = [i for i in prefix if i > 0]
    if given[0] == len(items):
        return report("06.3", WRONG, "hint: an item viewed twice is one node, not two.")
    if given[1] == len(items) - 1:
        return report("06.3", WRONG, "hint: a transition that happens twice is one edge.")
    return report("06.3", WRONG, "hint: nodes = distinct items; edges = distinct (from, to) pairs "
                                 "of consecutive views.")
