"""Checkers for the exercises of lesson 02 (solutions/02_moving_average_models.ipynb)."""
from __future__ import annotations

from course_lib.models.arma import simulate_arma, theoretical_acf
from course_lib.course.exercise import CORRECT, NOT_ATTEMPTED, WRONG, close, is_missing, report, whole_number

#: The "mystery" series of exercise 02.3 is an MA process with these coefficients.
MYSTERY_MA = [0.7, 0.6]


def mystery_series(n: int = 600):
    """02.3: a series from an MA process whose order the learner reads off the ACF."""
    return simulate_arma(ma=MYSTERY_MA, n=n, seed=31)


def lag_one_autocorrelation(answer, theta: float) -> None:
    """02.1: rho_1 of an MA(1) process, theta / (1 + theta^2)."""
    if is_missing(answer):
        return report("02.1", NOT_ATTEMPTED)
    expected = float(theoretical_acf(ma=[theta], lags=1)[1])
    if close(answer, expected):
        return report("02.1", CORRECT, "ρ1 = θ / (1 + θ²); every later autocorrelation is 0.")
    if close(answer, theta):
        return report("02.1", WRONG, "hint: θ is the weight of the last shock, not the "
                                     "correlation; divide by the variance factor 1 + θ².")
    if close(answer, theta / (1 + theta)):
        return report("02.1", WRONG, "hint: the denominator is 1 + θ², the variance of "
                                     "ε_t + θ ε_{t−1} when σ = 1.")
    return report("02.1", WRONG, "hint: Cov(X_t, X_{t−1}) = θσ² and Var(X_t) = (1 + θ²)σ².")


def invertible_twin(answer, theta: float) -> None:
    """02.2: the invertible MA(1) coefficient with the same autocorrelations as ``theta``."""
    if is_missing(answer):
        return report("02.2", NOT_ATTEMPTED)
    if close(answer, 1 / theta):
        return report("02.2", CORRECT, "1/θ gives the same ρ1 and is invertible; the noise "
                                       "variance grows by θ² to keep the same variance.")
    if close(answer, -1 / theta):
        return report("02.2", WRONG, "hint: the sign must stay the same, or ρ1 changes sign.")
    if close(answer, theta):
        return report("02.2", WRONG, f"hint: θ = {theta} is not invertible (|θ| > 1).")
    return report("02.2", WRONG, "hint: θ / (1 + θ²) does not change when θ is replaced by 1/θ.")


def ma_order(answer) -> None:
    """02.3: the order q of the mystery MA process."""
    if is_missing(answer):
        return report("02.3", NOT_ATTEMPTED)
    q = len(MYSTERY_MA)
    given = whole_number(answer)
    if given is None:
        return report("02.3", WRONG, "hint: answer with a whole number (an order is a count of lags).")
    if given == q:
        return report("02.3", CORRECT, "the ACF has its last clear spike at that lag.")
    return report("02.3", WRONG, "hint: for MA(q) read the ACF (not the PACF): where is its last "
                                 "clear spike?")
