"""Checkers for the exercises of lesson 04 (solutions/04_recurrent_networks.ipynb)."""
from __future__ import annotations

import numpy as np

from course_lib.models.cells import rnn_forward
from course_lib.course.exercise import CORRECT, NOT_ATTEMPTED, WRONG, close, is_missing, report


def two_rnn_steps(answer, x, W, U, b) -> None:
    """04.1: the hidden state after two steps of a simple RNN from h_0 = 0."""
    if is_missing(answer):
        return report("04.1", NOT_ATTEMPTED)
    expected = rnn_forward(x[None], W, U, b)[0, -1]
    if close(answer, expected, rel=1e-6, abs_=1e-9):
        return report("04.1", CORRECT, "the same as SimpleRNN with these weights.")
    first = np.tanh(x[0] @ W + b)
    if close(answer, first, rel=1e-6):
        return report("04.1", WRONG, "hint: that is h_1; apply the update once more with x_2 and h_1.")
    if close(answer, np.tanh(x[1] @ W + b), rel=1e-6):
        return report("04.1", WRONG, "hint: h_2 depends on h_1 through U: tanh(x_2 W + h_1 U + b).")
    return report("04.1", WRONG, "hint: h_1 = tanh(x_1 W + b), then h_2 = tanh(x_2 W + h_1 U + b).")


def simple_rnn_parameters(answer, inputs: int, units: int) -> None:
    """04.2: trainable parameters of SimpleRNN(units) on ``inputs`` features."""
    if is_missing(answer):
        return report("04.2", NOT_ATTEMPTED)
    expected = inputs * units + units * units + units
    if close(answer, expected):
        return report("04.2", CORRECT, "input weights, recurrent weights and one bias; the same "
                                       "at every time step.")
    if close(answer, inputs * units + units * units):
        return report("04.2", WRONG, "hint: do not forget the bias.")
    if close(answer, inputs * units + units):
        return report("04.2", WRONG, "hint: the recurrent matrix W_h (units × units) is missing.")
    return report("04.2", WRONG, "hint: count W_x (inputs × units), W_h (units × units) and b.")


def linear_gradient_decay(answer, a: float, k: int) -> None:
    """04.3: ‖∂h_T/∂h_{T−k}‖ for a linear RNN with W_h = a · I."""
    if is_missing(answer):
        return report("04.3", NOT_ATTEMPTED)
    expected = abs(a) ** k
    if close(answer, expected, rel=1e-6, abs_=1e-12):
        return report("04.3", CORRECT, "geometric decay: the vanishing gradient in its purest form.")
    if close(answer, abs(a) * k):
        return report("04.3", WRONG, "hint: the Jacobians multiply, they do not add.")
    return report("04.3", WRONG, "hint: each step back multiplies by W_h = a·I, whose norm is |a|.")
