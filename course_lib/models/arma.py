"""AR, MA and ARMA processes written from their equations (lessons 01-03).

    X_t = c + sum_i phi_i X_{t-i} + eps_t + sum_j theta_j eps_{t-j}

statsmodels does the estimation; this module holds what a lesson needs to
*see* the equation at work: a simulator that is the equation, and the
stationarity and invertibility conditions as polynomial roots.
"""
from __future__ import annotations

import numpy as np


def simulate_arma(ar=(), ma=(), n: int = 500, c: float = 0.0, sigma: float = 1.0,
                  seed: int | None = 0, burn: int = 200, return_noise: bool = False):
    """Simulate X_t = c + sum phi_i X_{t-i} + eps_t + sum theta_j eps_{t-j} (lessons 01, 02).

    ``ar`` holds phi_1..phi_p, ``ma`` theta_1..theta_q, ``eps_t`` is Gaussian
    white noise with standard deviation ``sigma``. The first ``burn`` values
    are dropped so the series forgets its zero start. With ``return_noise``
    the innovations eps_t are returned too.
    """
    ar, ma = np.asarray(ar, float), np.asarray(ma, float)
    p, q = len(ar), len(ma)
    rng = np.random.default_rng(seed)
    total = n + burn
    eps = rng.normal(0.0, sigma, total)
    x = np.zeros(total)
    for t in range(total):
        value = c + eps[t]
        for i in range(1, min(p, t) + 1):
            value += ar[i - 1] * x[t - i]
        for j in range(1, min(q, t) + 1):
            value += ma[j - 1] * eps[t - j]
        x[t] = value
        if not np.isfinite(value) or abs(value) > 1e12:  # an explosive process: stop early
            x[t:] = np.nan
            break
    if return_noise:
        return x[burn:], eps[burn:]
    return x[burn:]


def ar_roots(ar) -> np.ndarray:
    """Roots of 1 - phi_1 z - ... - phi_p z^p (stationary when all lie outside |z| = 1)."""
    coeffs = np.r_[1.0, -np.asarray(ar, float)]
    return np.roots(coeffs[::-1]) if len(coeffs) > 1 else np.array([])


def ma_roots(ma) -> np.ndarray:
    """Roots of 1 + theta_1 z + ... + theta_q z^q (invertible when all lie outside |z| = 1)."""
    coeffs = np.r_[1.0, np.asarray(ma, float)]
    return np.roots(coeffs[::-1]) if len(coeffs) > 1 else np.array([])


def is_stationary(ar) -> bool:
    """An AR polynomial whose roots all lie outside the unit circle (lesson 01)."""
    return bool(np.all(np.abs(ar_roots(ar)) > 1.0))


def is_invertible(ma) -> bool:
    """An MA polynomial whose roots all lie outside the unit circle (lesson 02)."""
    return bool(np.all(np.abs(ma_roots(ma)) > 1.0))


def theoretical_acf(ar=(), ma=(), lags: int = 20) -> np.ndarray:
    """Autocorrelations at lags 0..``lags`` of the ARMA process (statsmodels' formula)."""
    from statsmodels.tsa.arima_process import ArmaProcess

    process = ArmaProcess(np.r_[1, -np.asarray(ar, float)], np.r_[1, np.asarray(ma, float)])
    return process.acf(lags + 1)
