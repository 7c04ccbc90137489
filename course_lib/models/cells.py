"""Recurrent cells written out in NumPy, weight for weight like Keras (lessons 04 and 05).

Each function takes Keras's own weight arrays (``layer.get_weights()``), so a
lesson can load the same numbers into both and compare outputs. Shapes:
``x`` is (batch, time, features); the result is every hidden state,
(batch, time, units).

Keras conventions (Keras 3): a kernel ``W`` of shape (features, k * units),
a recurrent kernel ``U`` of shape (units, k * units) and a bias ``b``, with
the gates stacked in the order LSTM: i, f, c, o and GRU: z, r, h.
"""
from __future__ import annotations

import numpy as np


def sigmoid(x):
    """The logistic function 1 / (1 + e^-x)."""
    return 1.0 / (1.0 + np.exp(-x))


def rnn_forward(x, W, U, b, h0=None, activation=np.tanh):
    """Simple RNN (lesson 04): h_t = tanh(x_t W + h_{t-1} U + b)."""
    batch, steps, _ = x.shape
    h = np.zeros((batch, U.shape[0])) if h0 is None else h0
    states = []
    for t in range(steps):
        h = activation(x[:, t] @ W + h @ U + b)
        states.append(h)
    return np.stack(states, axis=1)


def lstm_forward(x, W, U, b):
    """LSTM (lesson 05), with tanh where it belongs:

        i = σ(x W_i + h U_i + b_i)          input gate
        f = σ(x W_f + h U_f + b_f)          forget gate
        g = tanh(x W_c + h U_c + b_c)       candidate cell   (tanh, not σ)
        o = σ(x W_o + h U_o + b_o)          output gate
        c_t = f ⊙ c_{t-1} + i ⊙ g
        h_t = o ⊙ tanh(c_t)                 (tanh of the cell, no extra weights)
    """
    batch, steps, _ = x.shape
    units = U.shape[0]
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    states = []
    for t in range(steps):
        z = x[:, t] @ W + h @ U + b
        i = sigmoid(z[:, :units])
        f = sigmoid(z[:, units:2 * units])
        g = np.tanh(z[:, 2 * units:3 * units])
        o = sigmoid(z[:, 3 * units:])
        c = f * c + i * g
        h = o * np.tanh(c)
        states.append(h)
    return np.stack(states, axis=1)


def lstm_trace(x, W, U, b, candidate="tanh", gate_bias=None):
    """Every gate and state of an LSTM over time (lesson 05's picture and gate explorer).

    The same step as :func:`lstm_forward`, with two knobs for teaching:
    ``candidate`` is ``"tanh"`` (correct) or ``"sigmoid"`` (the source article's
    mistake); ``gate_bias`` adds a constant to the pre-activation of gates named
    ``"i"``, ``"f"``, ``"o"`` (e.g. ``{"f": 2.0}`` keeps more memory). Returns a
    dict of arrays (batch, time, units): ``i``, ``f``, ``g``, ``o``, ``c``, ``h``.
    """
    if candidate not in ("tanh", "sigmoid"):
        raise ValueError(f"candidate must be 'tanh' or 'sigmoid', not {candidate!r}")
    squash = np.tanh if candidate == "tanh" else sigmoid
    shift = {"i": 0.0, "f": 0.0, "o": 0.0, **(gate_bias or {})}
    batch, steps, _ = x.shape
    units = U.shape[0]
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    trace = {name: [] for name in "ifgoch"}
    for t in range(steps):
        z = x[:, t] @ W + h @ U + b
        i = sigmoid(z[:, :units] + shift["i"])
        f = sigmoid(z[:, units:2 * units] + shift["f"])
        g = squash(z[:, 2 * units:3 * units])
        o = sigmoid(z[:, 3 * units:] + shift["o"])
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, value in zip("ifgoch", (i, f, g, o, c, h)):
            trace[name].append(value)
    return {name: np.stack(values, axis=1) for name, values in trace.items()}


def gru_forward(x, W, U, b):
    """GRU (lesson 05) as Keras computes it (``reset_after=True``, its default):

        z = σ(x W_z + b_z + h U_z + b'_z)                   update gate
        r = σ(x W_r + b_r + h U_r + b'_r)                   reset gate
        ĥ = tanh(x W_h + b_h + r ⊙ (h U_h + b'_h))          candidate
        h_t = z ⊙ h_{t-1} + (1 − z) ⊙ ĥ

    ``b`` has two rows: the input bias and the recurrent bias.
    """
    batch, steps, _ = x.shape
    units = U.shape[0]
    b_in, b_rec = (b[0], b[1]) if np.ndim(b) == 2 else (b, np.zeros_like(b))
    h = np.zeros((batch, units))
    states = []
    for t in range(steps):
        xi = x[:, t] @ W + b_in
        hr = h @ U + b_rec
        z = sigmoid(xi[:, :units] + hr[:, :units])
        r = sigmoid(xi[:, units:2 * units] + hr[:, units:2 * units])
        cand = np.tanh(xi[:, 2 * units:] + r * hr[:, 2 * units:])
        h = z * h + (1 - z) * cand
        states.append(h)
    return np.stack(states, axis=1)


def hidden_state_jacobian_norms(W_h, states, max_lag: int) -> np.ndarray:
    """‖∂h_T / ∂h_{T−k}‖ (spectral norm) for k = 0..max_lag in a tanh RNN (lesson 04).

    Back-propagation through time multiplies, for each step back, by
    diag(1 − h_t²) (the tanh derivative) and by the recurrent weights: the
    product shrinks (vanishing gradients) or grows (exploding) with the lag.
    ``states`` is one sequence's hidden states, shape (time, units); ``W_h``
    maps h_{t-1} to the pre-activation as ``h_{t-1} @ W_h``.
    """
    T = len(states)
    J = np.eye(W_h.shape[0])
    norms = [1.0]
    for k in range(1, max_lag + 1):
        t = T - k  # the step whose derivative joins the chain
        J = J @ (np.diag(1 - states[t] ** 2) @ W_h.T)
        norms.append(float(np.linalg.norm(J, 2)))
    return np.array(norms)
