"""Forecasters with one interface: the four benchmarks and the ARMA family (lessons 01-04, 09).

Every forecaster has ``fit(y, exog=None)`` and ``predict(h, exog_future=None,
level=0.95)``, which returns a DataFrame with columns ``mean``, ``lower`` and
``upper`` (the prediction interval at ``level``). The rolling-origin
evaluator (:mod:`course_lib.evaluate.rolling`) treats them all alike.

The benchmarks and their interval formulas follow Hyndman and
Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.), section 5.5.
"""
from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def _frame(mean, sd, level):
    mean, sd = np.asarray(mean, float), np.asarray(sd, float)
    z = _z(level)
    return pd.DataFrame({"mean": mean, "lower": mean - z * sd, "upper": mean + z * sd},
                        index=pd.RangeIndex(1, len(mean) + 1, name="step"))


class Forecaster:
    """Base class: a stable ``key`` (the kind of model), a display ``name``, ``fit`` and ``predict``."""

    key = "forecaster"
    name = "forecaster"

    def fit(self, y, exog=None):
        raise NotImplementedError

    def predict(self, h: int, exog_future=None, level: float = 0.95) -> pd.DataFrame:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.name}>"


class MeanForecast(Forecaster):
    """Every future value is the mean of the past."""

    key = name = "mean"

    def fit(self, y, exog=None):
        self.y = np.asarray(y, float)
        self.sigma = float(np.std(self.y, ddof=1))
        return self

    def predict(self, h, exog_future=None, level=0.95):
        T = len(self.y)
        return _frame(np.full(h, self.y.mean()), np.full(h, self.sigma * np.sqrt(1 + 1 / T)), level)


class NaiveForecast(Forecaster):
    """Every future value is the last observed value."""

    key = name = "naive"

    def fit(self, y, exog=None):
        self.y = np.asarray(y, float)
        self.sigma = float(np.sqrt(np.mean(np.diff(self.y) ** 2)))
        return self

    def predict(self, h, exog_future=None, level=0.95):
        steps = np.arange(1, h + 1)
        return _frame(np.full(h, self.y[-1]), self.sigma * np.sqrt(steps), level)


class SeasonalNaiveForecast(Forecaster):
    """Each future value repeats the value one season (``m`` steps) earlier.

    The benchmark MASE and ``skill`` are measured against: found by its key
    ``seasonal_naive``, whatever its name says.
    """

    key = "seasonal_naive"

    def __init__(self, m: int):
        self.m = m
        self.name = f"seasonal naive (m={m})"

    def fit(self, y, exog=None):
        self.y = np.asarray(y, float)
        if len(self.y) <= self.m:
            raise ValueError(f"seasonal naive needs more than m={self.m} values")
        self.sigma = float(np.sqrt(np.mean((self.y[self.m:] - self.y[:-self.m]) ** 2)))
        return self

    def predict(self, h, exog_future=None, level=0.95):
        steps = np.arange(1, h + 1)
        k = (steps - 1) // self.m
        T = len(self.y)
        mean = self.y[T + steps - 1 - self.m * (k + 1)]
        return _frame(mean, self.sigma * np.sqrt(k + 1), level)


class DriftForecast(Forecaster):
    """The line from the first to the last observation, extended."""

    key = name = "drift"

    def fit(self, y, exog=None):
        self.y = np.asarray(y, float)
        T = len(self.y)
        self.slope = (self.y[-1] - self.y[0]) / (T - 1)
        resid = np.diff(self.y) - self.slope
        self.sigma = float(np.sqrt(np.sum(resid ** 2) / (T - 2))) if T > 2 else 0.0
        return self

    def predict(self, h, exog_future=None, level=0.95):
        steps = np.arange(1, h + 1)
        T = len(self.y)
        return _frame(self.y[-1] + self.slope * steps, self.sigma * np.sqrt(steps * (1 + steps / T)),
                      level)


class ARMAForecast(Forecaster):
    """ARMA(p, q) with a constant, optionally seasonal and with exogenous inputs (statsmodels).

    ``order=(p, d, q)``, ``seasonal_order=(P, D, Q, m)``; ``log=True`` fits on
    log(1 + y) and transforms the forecast back (the back-transformed mean is
    the forecast *median*). Convergence problems are not hidden: the fitted
    model's ``converged`` says whether the optimiser finished, and
    ``maxiter`` is raised from statsmodels' default. ``exog_columns`` names
    the columns of the evaluator's ``exog`` table this model uses (weekday
    dummies, a promotion flag); without it the model uses none.
    """

    key = "arma"

    def __init__(self, order=(1, 0, 0), seasonal_order=(0, 0, 0, 0), trend: str | None = "c",
                 log: bool = False, name: str | None = None, maxiter: int = 200,
                 exog_columns=None):
        self.order, self.seasonal_order, self.trend = tuple(order), tuple(seasonal_order), trend
        self.log, self.maxiter = log, maxiter
        self.exog_columns = list(exog_columns) if exog_columns else None
        p, d, q = self.order
        P, D, Q, m = self.seasonal_order
        label = f"ARIMA({p},{d},{q})" if d else f"ARMA({p},{q})"
        if m:
            label = f"SARIMA({p},{d},{q})({P},{D},{Q},{m})"
        if self.exog_columns:
            label += " + " + ", ".join(self.exog_columns)
        self.name = name or (label + (" log" if log else ""))

    def _exog(self, exog):
        """The model's own columns of the exogenous inputs (None: it uses none)."""
        if exog is None or not self.exog_columns:
            return None
        return np.asarray(pd.DataFrame(exog)[self.exog_columns], dtype=float)

    def _transform(self, y):
        y = np.asarray(y, float)
        return np.log1p(y) if self.log else y

    def fit(self, y, exog=None):
        from statsmodels.tools.sm_exceptions import ConvergenceWarning
        from statsmodels.tsa.arima.model import ARIMA

        trend = self.trend if self.order[1] == 0 and self.seasonal_order[1] == 0 else None
        model = ARIMA(self._transform(y), exog=self._exog(exog), order=self.order,
                      seasonal_order=self.seasonal_order, trend=trend)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            self.result = model.fit(method_kwargs={"maxiter": self.maxiter})
        self.converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        return self

    def exog_effects(self, level: float = 0.95) -> pd.DataFrame:
        """The fitted coefficient of each exogenous input, named by its column, with its interval
        (lesson 03's promotion effect; statsmodels itself names them x1, x2, ... after the trend terms)."""
        k, n = self.result.model.k_trend, len(self.exog_columns or [])
        bounds = np.asarray(self.result.conf_int(alpha=1 - level))[k:k + n]
        return pd.DataFrame({"estimate": np.asarray(self.result.params)[k:k + n], "lower": bounds[:, 0],
                             "upper": bounds[:, 1]}, index=pd.Index(self.exog_columns or [], name="input"))

    def predict(self, h, exog_future=None, level=0.95):
        forecast = self.result.get_forecast(h, exog=self._exog(exog_future))
        mean = np.asarray(forecast.predicted_mean)
        bounds = np.asarray(forecast.conf_int(alpha=1 - level))
        frame = pd.DataFrame({"mean": mean, "lower": bounds[:, 0], "upper": bounds[:, 1]},
                             index=pd.RangeIndex(1, h + 1, name="step"))
        if self.log:
            frame = np.expm1(frame)
        return frame


def benchmarks(m: int) -> list[Forecaster]:
    """The four benchmarks every forecast is compared with (lesson 03)."""
    return [MeanForecast(), NaiveForecast(), SeasonalNaiveForecast(m), DriftForecast()]


def select_order(y, max_p: int = 3, max_q: int = 3, *, trend: str = "c", log: bool = False,
                 seasonal_order=(0, 0, 0, 0)) -> pd.DataFrame:
    """AIC and BIC of every ARMA(p, q) on a grid, best AIC first (lesson 03).

    Fit on the *training* window only: choosing the order on the test window
    would tune the model to the data it is judged on.
    """
    rows = []
    for p in range(max_p + 1):
        for q in range(max_q + 1):
            model = ARMAForecast((p, 0, q), seasonal_order, trend=trend, log=log).fit(y)
            rows.append({"p": p, "q": q, "AIC": model.result.aic, "BIC": model.result.bic,
                         "converged": model.converged})
    return pd.DataFrame(rows).sort_values("AIC", ignore_index=True)


def weekday_indicators(index: pd.DatetimeIndex) -> pd.DataFrame:
    """One 0/1 column per weekday present, the first one left out as the reference (lesson 03)."""
    days = pd.get_dummies(pd.Index(index).day_name().str[:3]).astype(float)
    days.index = index
    order = [d for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun") if d in days.columns]
    return days[order].iloc[:, 1:]


def standard_forecasters(train, m: int, weekday_columns=None) -> list[Forecaster]:
    """The line-up ``course-lib forecast`` evaluates (lesson 03's, chosen on ``train``).

    The four benchmarks; the ARMA(p, q) with the best AIC on the training
    window; SARIMA(0,1,1)(0,1,1,m) on the log scale when the series has no
    negative values; and, with ``weekday_columns``, the regression on weekday
    indicators with ARIMA(0,1,1) errors.
    """
    train = np.asarray(train, float)
    grid = select_order(train, max_p=2, max_q=2)
    p, q = (int(v) for v in grid.iloc[0][["p", "q"]])
    models = benchmarks(m) + [ARMAForecast((p, 0, q))]
    positive = bool((train >= 0).all())
    models.append(ARMAForecast((0, 1, 1), (0, 1, 1, m), log=positive))
    if weekday_columns:
        models.append(ARMAForecast((0, 1, 1), exog_columns=weekday_columns, log=positive,
                                   name="ARIMA(0,1,1) + weekday" + (" log" if positive else "")))
    return models
