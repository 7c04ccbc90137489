"""Forecast errors (lesson 00 introduces them, lessons 01-03 use them).

MASE scales the error by the in-sample mean absolute error of the seasonal
naive forecast with period ``m`` (m = 7 for daily data with a weekly cycle):
below 1, the model beats that benchmark. Always state ``m``.
"""
from __future__ import annotations

import numpy as np


def mae(actual, forecast) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(actual, float) - np.asarray(forecast, float))))


def rmse(actual, forecast) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(actual, float) - np.asarray(forecast, float)) ** 2)))


def seasonal_naive_scale(train, m: int) -> float:
    """In-sample MAE of the seasonal naive forecast y_t = y_{t-m} on ``train``."""
    train = np.asarray(train, float)
    if len(train) <= m:
        raise ValueError(f"MASE needs more than m={m} training values, got {len(train)}")
    return float(np.mean(np.abs(train[m:] - train[:-m])))


def mase(actual, forecast, train, m: int) -> float:
    """Mean absolute scaled error with seasonal period ``m``."""
    scale = seasonal_naive_scale(train, m)
    if scale == 0:
        raise ValueError("the seasonal naive forecast is perfect in-sample: MASE is undefined")
    return mae(actual, forecast) / scale


def forecast_errors(actual, forecast, train, m: int) -> dict[str, float]:
    """MAE, RMSE and MASE (with its period in the key) as one dict."""
    return {"MAE": mae(actual, forecast), "RMSE": rmse(actual, forecast),
            f"MASE(m={m})": mase(actual, forecast, train, m)}
