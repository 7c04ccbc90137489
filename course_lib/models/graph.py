"""Graphs of items and message passing with ``keras.ops`` (lesson 06).

The source article's update is h_v <- σ(Σ_{u ∈ N(v)} W h_u + b). Two things
it lacks matter in practice:

* **self-loops**: without them a node forgets its own features at every layer;
* **degree normalisation**: without it, busy nodes (popular items) get huge
  sums and quiet ones tiny sums; the GCN form divides each message by
  sqrt(deg(u) deg(v)) (Kipf & Welling, 2017).

Message passing is written as *gather* (``ops.take`` the sender states) plus
*segment sum* (add them up per receiver, with a static number of segments),
which is what every GNN library does under the hood, and is checked against
the dense computation A_hat @ H @ W.
"""
from __future__ import annotations

import keras
import numpy as np
from keras import ops

from course_lib.models.base import PAD_SCORE, KerasNextItemModel
from course_lib.prep.sequences import prefix_targets, sessions_to_arrays


def transition_edges(sessions, n_nodes: int, undirected: bool = True):
    """Edges (senders, receivers, counts) between consecutive items of training sessions."""
    prev = np.concatenate([s[:-1] for s in sessions])
    nxt = np.concatenate([s[1:] for s in sessions])
    keep = prev != nxt
    pairs = np.stack([prev[keep], nxt[keep]], axis=1)
    if undirected:
        pairs = np.concatenate([pairs, pairs[:, ::-1]])
    codes = pairs[:, 0].astype(np.int64) * n_nodes + pairs[:, 1]
    unique, counts = np.unique(codes, return_counts=True)
    return (unique // n_nodes).astype("int32"), (unique % n_nodes).astype("int32"), counts


def gcn_normalise(senders, receivers, n_nodes: int, self_loops: bool = True):
    """GCN edge weights 1 / sqrt(deg(u) deg(v)), with self-loops added first."""
    senders, receivers = np.asarray(senders), np.asarray(receivers)
    if self_loops:
        loops = np.arange(n_nodes, dtype=senders.dtype)
        senders, receivers = np.concatenate([senders, loops]), np.concatenate([receivers, loops])
    degree = np.bincount(receivers, minlength=n_nodes).astype("float32")
    weights = 1.0 / np.sqrt(np.maximum(degree[senders], 1) * np.maximum(degree[receivers], 1))
    return senders.astype("int32"), receivers.astype("int32"), weights.astype("float32")


def message_passing(h, senders, receivers, weights, n_nodes: int):
    """Σ over incoming edges of weight * h[sender], per receiver: gather + segment sum."""
    messages = ops.take(h, senders, axis=0) * ops.expand_dims(weights, -1)
    return ops.segment_sum(messages, receivers, num_segments=n_nodes)


def dense_propagation(h, senders, receivers, weights, n_nodes: int):
    """The same computation with a dense adjacency matrix (the reference for tests)."""
    A = np.zeros((n_nodes, n_nodes), dtype="float64")
    np.add.at(A, (np.asarray(receivers), np.asarray(senders)), np.asarray(weights, dtype="float64"))
    return A @ np.asarray(h, dtype="float64")


@keras.saving.register_keras_serializable(package="course_lib")
class GraphConv(keras.layers.Layer):
    """One GCN layer: h_v <- act(Σ_u w_uv h_u W + b) over a fixed graph."""

    def __init__(self, units: int, senders, receivers, weights, n_nodes: int,
                 activation="tanh", **kwargs):
        super().__init__(**kwargs)
        self.units, self.n_nodes = units, n_nodes
        self.activation = keras.activations.get(activation)
        self.senders = np.asarray(senders, "int32")
        self.receivers = np.asarray(receivers, "int32")
        self.edge_weights = np.asarray(weights, "float32")

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, h):
        agg = message_passing(ops.matmul(h, self.kernel), self.senders, self.receivers,
                              self.edge_weights, self.n_nodes)
        return self.activation(agg + self.bias)


class GraphItemModel(KerasNextItemModel):
    """Item embeddings smoothed by a GCN over the item-transition graph (lesson 06).

    Scores the next item as the dot product between the (graph-convolved)
    embedding of the last item viewed and every item's *target* embedding, a
    second table: with one table for both sides, an item's score against itself
    (its squared length) tends to be its highest, so the item just viewed came
    first, and "A then B" scored as "B then A". Trained on all training
    transitions with cross-entropy over the catalogue.
    """

    name = "gcn-items"
    takes_prefixes = False  # it reads only the last item

    def __init__(self, dim: int = 64, layers: int = 1, epochs: int = 4, batch_size: int = 512,
                 learning_rate: float = 1e-2, seed: int = 0):
        super().__init__(max_len=1, epochs=epochs, batch_size=batch_size,
                         learning_rate=learning_rate, loss="softmax", seed=seed)
        self.dim, self.layers = dim, layers

    def positions(self) -> int:
        return 1

    def examples(self, sessions):
        """Every transition of the training sessions: previous item -> next item."""
        prev = np.concatenate([x[:-1] for x in sessions]).astype("int32")
        nxt = np.concatenate([x[1:] for x in sessions]).astype("int32")
        return prev[:, None], nxt, np.ones(len(nxt), "float32")

    def network_inputs(self, X):
        return np.asarray(X)[:, -1]

    def build(self, n_codes: int):
        s, r, w = self.graph
        self.embedding = keras.layers.Embedding(n_codes, self.dim, name="items")
        self.convs = [GraphConv(self.dim, s, r, w, n_codes, name=f"gcn_{i}") for i in range(self.layers)]
        targets = keras.layers.Embedding(n_codes, self.dim, name="targets")
        network = _GraphScorer(self.embedding, self.convs, targets, n_codes)
        return network, network

    def _fit(self, sessions, n_items: int, *, progress: bool = False, callbacks=()):
        n_codes = n_items + 1
        senders, receivers, _ = transition_edges(sessions, n_codes)
        self.graph = gcn_normalise(senders, receivers, n_codes)  # fixed: build() uses it
        super()._fit(sessions, n_items, progress=progress, callbacks=callbacks)

    def item_vectors(self) -> np.ndarray:
        """The (graph-convolved) item embeddings, one row per code."""
        return keras.ops.convert_to_numpy(self.network.node_states())

    def score(self, X):
        states = self.item_vectors()
        last = np.asarray(X)[:, -1]
        scores = states[last] @ keras.ops.convert_to_numpy(self.network.target_vectors()).T
        scores[:, 0] = PAD_SCORE
        return scores


class _GraphScorer(keras.Model):
    """Embeddings -> GCN layers -> dot products with the target embeddings: the next item's scores."""

    def __init__(self, table, convs, targets, n_nodes, **kwargs):
        super().__init__(**kwargs)
        self.table, self.convs, self.targets, self.n_nodes = table, convs, targets, n_nodes

    def node_states(self):
        h = self.table(ops.arange(self.n_nodes, dtype="int32"))
        for conv in self.convs:
            h = h + conv(h)  # residual: keep the item's own identity
        return h

    def target_vectors(self):
        return self.targets(ops.arange(self.n_nodes, dtype="int32"))

    def call(self, last_items):
        h = self.node_states()
        return ops.matmul(ops.take(h, last_items, axis=0), ops.transpose(self.target_vectors()))


# --------------------------------------------------------------------------- #
# SR-GNN: each session as a small directed graph (Wu et al., 2019)

def session_graphs(X):
    """Per left-padded prefix: its distinct items, their in/out adjacency, and aliases.

    Returns ``nodes`` (n, L) item codes of the session graph's nodes (0-padded),
    ``alias`` (n, L) the node index of each position, ``A_in`` and ``A_out``
    (n, L, L), each row normalised by the node's in/out degree as in SR-GNN.
    """
    X = np.asarray(X)
    n, L = X.shape
    present = X > 0
    same = (X[:, :, None] == X[:, None, :]) & present[:, :, None]
    first = np.argmax(same, axis=2)                      # first position viewing the same item
    is_first = present & (first == np.arange(L))
    node_of_first = np.cumsum(is_first, axis=1) - 1      # nodes in order of first view
    alias = np.where(present, np.take_along_axis(node_of_first, first, axis=1), 0).astype("int32")
    nodes = np.zeros((n, L), "int32")
    rows, cols = np.nonzero(is_first)
    nodes[rows, node_of_first[rows, cols]] = X[rows, cols]
    A_in = np.zeros((n, L, L), "float32")
    A_out = np.zeros((n, L, L), "float32")
    b, t = np.nonzero(present[:, :-1] & present[:, 1:])  # each transition u -> v of a prefix
    u, v = alias[b, t], alias[b, t + 1]
    A_out[b, u, v] = 1.0
    A_in[b, v, u] = 1.0
    A_out /= np.maximum(A_out.sum(axis=2, keepdims=True), 1)
    A_in /= np.maximum(A_in.sum(axis=2, keepdims=True), 1)
    return nodes, alias, A_in, A_out


@keras.saving.register_keras_serializable(package="course_lib")
class SRGNNNet(keras.Model):
    """Gated graph update over the session graph, attention read-out, tied item scores."""

    def __init__(self, n_codes: int, dim: int = 64, steps: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.n_codes, self.dim, self.steps = n_codes, dim, steps
        self.items = keras.layers.Embedding(n_codes, dim, name="items")
        self.edge_in = keras.layers.Dense(dim, name="edge_in")
        self.edge_out = keras.layers.Dense(dim, name="edge_out")
        self.gate_a = keras.layers.Dense(3 * dim, name="gate_from_messages")
        self.gate_h = keras.layers.Dense(3 * dim, use_bias=False, name="gate_from_state")
        self.att_last = keras.layers.Dense(dim, name="att_last")
        self.att_all = keras.layers.Dense(dim, use_bias=False, name="att_all")
        self.att_q = keras.layers.Dense(1, use_bias=False, name="att_q")
        self.combine = keras.layers.Dense(dim, use_bias=False, name="combine")

    def call(self, inputs):
        return ops.matmul(self.session_vectors(inputs), ops.transpose(self.items.embeddings))

    def session_vectors(self, inputs):
        """One vector per session graph (B, d): its item scores are dot products with it."""
        prefix, nodes, alias, A_in, A_out = inputs
        h = self.items(nodes)                                        # (B, L, d)
        d = self.dim
        for _ in range(self.steps):
            a = ops.concatenate([ops.matmul(A_in, self.edge_in(h)),
                                 ops.matmul(A_out, self.edge_out(h))], axis=-1)
            ga, gh = self.gate_a(a), self.gate_h(h)
            z = ops.sigmoid(ga[..., :d] + gh[..., :d])
            r = ops.sigmoid(ga[..., d:2 * d] + gh[..., d:2 * d])
            cand = ops.tanh(ga[..., 2 * d:] + r * gh[..., 2 * d:])
            h = (1 - z) * h + z * cand
        seq = ops.take_along_axis(h, ops.expand_dims(alias, -1), axis=1)  # state per position
        present = ops.expand_dims(ops.cast(prefix > 0, h.dtype), -1)
        last = seq[:, -1, :]
        alpha = self.att_q(ops.sigmoid(ops.expand_dims(self.att_last(last), 1) + self.att_all(seq)))
        summary = ops.sum(alpha * seq * present, axis=1)
        return self.combine(ops.concatenate([last, summary], axis=-1))

    def get_config(self):
        return {**super().get_config(), "n_codes": self.n_codes, "dim": self.dim, "steps": self.steps}


class _NoBias:
    """SR-GNN's output: item embeddings, no bias (for a sampled loss's candidates)."""

    def candidate_weights(self, codes, embeddings):
        return ops.take(embeddings, codes, axis=0), ops.zeros(ops.shape(codes))


class _SampledSRGNN(keras.Model):
    """SR-GNN's training network with a sampled loss: session vector -> candidate scores."""

    def __init__(self, net: SRGNNNet, candidates, **kwargs):
        super().__init__(**kwargs)
        self.net, self.candidates = net, candidates

    def call(self, inputs):
        *graph, targets = inputs
        states = ops.expand_dims(self.net.session_vectors(graph), 1)           # (B, 1, d)
        targets = ops.expand_dims(ops.cast(targets, "int32"), 1)               # (B, 1)
        return self.candidates([states, targets, self.net.items.embeddings])[:, 0, :]


class SRGNN(KerasNextItemModel):
    """SR-GNN-style next-item model (lesson 06): each prefix as a session graph."""

    name = "srgnn"
    takes_prefixes = False  # its network takes the session graphs too

    def __init__(self, dim: int = 64, steps: int = 1, max_len: int = 10, epochs: int = 4,
                 batch_size: int = 256, learning_rate: float = 1e-2, loss: str = "auto",
                 n_sample: int = 1024, seed: int = 0):
        super().__init__(max_len=max_len, epochs=epochs, batch_size=batch_size,
                         learning_rate=learning_rate, loss=loss, n_sample=n_sample, seed=seed)
        self.dim, self.steps = dim, steps

    def positions(self) -> int:
        return 1

    def examples(self, sessions):
        """Every prefix of every session (the last ``max_len`` items) and its next item."""
        codes, starts = sessions_to_arrays(sessions)
        X, y = prefix_targets(codes, starts, self.max_len)
        return X, y, np.ones(len(y), "float32")

    def network_inputs(self, X):
        return [np.asarray(X, "int32"), *session_graphs(X)]

    def build(self, n_codes: int):
        network = SRGNNNet(n_codes, self.dim, self.steps)
        candidates = self.candidate_scores(_NoBias())
        return (network if candidates is None else _SampledSRGNN(network, candidates)), network
