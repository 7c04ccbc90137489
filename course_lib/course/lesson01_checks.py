"""Checkers for the exercises of lesson 01 (solutions/01_autoregressive_models.ipynb)."""
from __future__ import annotations

import numpy as np

from course_lib.models.arma import ar_roots, simulate_arma
from course_lib.course.exercise import CORRECT, NOT_ATTEMPTED, WRONG, close, is_missing, report, whole_number

#: The "mystery" series of exercise 01.2 is an AR process of this order.
MYSTERY_AR = [0.5, -0.3, 0.35]


def mystery_series(n: int = 600):
    """01.2: a series from an AR process whose order the learner must read off the PACF."""
    return simulate_arma(ar=MYSTERY_AR, n=n, seed=2024)


def smallest_root(answer, phis) -> None:
    """01.1: the smallest modulus among the roots of 1 - phi_1 z - ... - phi_p z^p."""
    if is_missing(answer):
        return report("01.1", NOT_ATTEMPTED)
    moduli = np.abs(ar_roots(phis))
    if close(answer, moduli.min(), rel=1e-3):
        verdict = "outside" if moduli.min() > 1 else "inside or on"
        return report("01.1", CORRECT, f"it lies {verdict} the unit circle, so the process is "
                                       f"{'stationary' if moduli.min() > 1 else 'not stationary'}.")
    coeffs = np.r_[1.0, -np.asarray(phis, float)]
    if close(answer, np.abs(np.roots(coeffs)).min(), rel=1e-3):
        return report("01.1", WRONG, "hint: np.roots wants the coefficients from the highest "
                                     "power down; reverse them (or use ar_roots).")
    if close(answer, np.abs(np.roots(np.r_[1.0, np.asarray(phis, float)][::-1])).min(), rel=1e-3):
        return report("01.1", WRONG, "hint: the polynomial is 1 - φ1 z - φ2 z²: mind the minus signs.")
    return report("01.1", WRONG, "hint: take np.abs of ar_roots(phis) and its minimum.")


def ar_order(answer) -> None:
    """01.2: the order p of the mystery AR process."""
    if is_missing(answer):
        return report("01.2", NOT_ATTEMPTED)
    p = len(MYSTERY_AR)
    given = whole_number(answer)
    if given is None:
        return report("01.2", WRONG, "hint: answer with a whole number (an order is a count of lags).")
    if given == p:
        return report("01.2", CORRECT, "the PACF has its last clear spike at that lag.")
    if given < p:
        return report("01.2", WRONG, "hint: look further along the PACF: is there a spike beyond "
                                     "the band at a later lag?")
    return report("01.2", WRONG, "hint: a spike that barely leaves the band can be chance (1 in "
                                 "20 lags does); look for the last clear one.")


def one_step_forecast(answer, fitted, history) -> None:
    """01.3: the one-step forecast of an AR(2) computed by hand from its estimates."""
    if is_missing(answer):
        return report("01.3", NOT_ATTEMPTED)
    expected = float(fitted.forecast(1)[0])
    if close(answer, expected, rel=1e-6, abs_=1e-6):
        return report("01.3", CORRECT, "the same number statsmodels' forecast(1) gives.")
    mu, phi1, phi2 = fitted.params[0], fitted.params[1], fitted.params[2]
    as_c = mu + phi1 * history[-1] + phi2 * history[-2]
    if close(answer, as_c, rel=1e-6, abs_=1e-6):
        return report("01.3", WRONG, "hint: `const` is the mean μ, not c: use "
                                     "μ + φ1 (x_T − μ) + φ2 (x_{T−1} − μ).")
    swapped = mu + phi1 * (history[-2] - mu) + phi2 * (history[-1] - mu)
    if close(answer, swapped, rel=1e-6, abs_=1e-6):
        return report("01.3", WRONG, "hint: φ1 multiplies the *latest* value, x[-1].")
    return report("01.3", WRONG, "hint: x̂ = μ + φ1 (x[-1] − μ) + φ2 (x[-2] − μ).")
