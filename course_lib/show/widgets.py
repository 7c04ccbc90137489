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
from course_lib.models.cells import lstm_trace
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
