"""Choose a forecaster on validation origins, report it on test origins (lessons 03, 04, 09; ``course-lib forecast``).

Rolling origin gives one score per model and origin. Picking the model with
the best score over *all* origins and then reporting that score tunes the
choice to the data it is judged on: with a dozen models, the luckiest one
wins. So the origins are split in time:

* the **validation block**, the earlier origins: the model (and with it the
  order and the transformation, which are part of each candidate) is chosen
  there, by mean MASE;
* the **test block**, the later origins: the chosen model is reported there,
  beside the benchmarks, with its skill against seasonal naive and the
  skill's 95 % interval from a paired bootstrap over the test origins.

A validation origin is used only if its whole forecast window ends before
the first test origin, so nothing in the test block can change the choice.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from course_lib.evaluate.rolling import RollingResult, leaderboard
from course_lib.evaluate.uncertainty import (LEVEL, N_RESAMPLES, difference_sentence, mean_intervals,
                                            percent, vs_column)

BENCHMARKS = ("mean", "naive", "drift")  # and the seasonal naive, whose name carries its m


def _baseline(result: RollingResult, baseline: str | None) -> str:
    return baseline or getattr(result, "baseline", None) or f"seasonal naive (m={result.m})"


def _subset(result: RollingResult, origins) -> RollingResult:
    keep = set(origins)
    return replace(result, scores=result.scores[result.scores["origin"].isin(keep)].reset_index(drop=True),
                   forecasts=result.forecasts[result.forecasts["origin"].isin(keep)].reset_index(drop=True))


def split_origins(result: RollingResult, *, test_share: float = 0.5,
                  n_test: int | None = None) -> tuple[RollingResult, RollingResult]:
    """(validation, test): the later ``n_test`` origins (default: ``test_share`` of them) are the test.

    Validation keeps the earlier origins whose forecast window ends before
    the first test origin (with step < horizon a few origins in between are
    left out, so the two blocks never share a day).
    """
    points = sorted(result.scores["origin"].unique())
    n_test = n_test if n_test is not None else math.ceil(test_share * len(points))
    if not 2 <= n_test <= len(points) - 2:
        raise ValueError(f"{len(points)} origins cannot be split into validation and test blocks of "
                         f"at least 2 origins each (asked for {n_test} test origins)")
    test = points[-n_test:]
    last_day = result.forecasts.groupby("origin")["date"].max()
    validation = [o for o in points[:-n_test] if last_day[o] < test[0]]
    if len(validation) < 2:
        raise ValueError("fewer than 2 validation origins end before the test block: "
                         "use more origins or a smaller test block")
    return _subset(result, validation), _subset(result, test)


def _per_origin(result: RollingResult) -> dict[str, pd.DataFrame]:
    """Each model's MASE at each origin (same origin order for all), for the bootstrap."""
    metric = f"MASE(m={result.m})"
    wide = result.scores.pivot(index="origin", columns="model", values="MASE")
    models = list(dict.fromkeys(result.scores["model"]))
    if wide[models].isna().any().any():
        raise ValueError("every model needs a score at every origin")
    return {m: pd.DataFrame({metric: wide[m].to_numpy()}) for m in models}


def skill_intervals(result: RollingResult, *, baseline: str | None = None, n_resamples: int = N_RESAMPLES,
                    level: float = LEVEL, seed: int = 0) -> pd.DataFrame:
    """MASE and skill of each model with 95 % intervals, by a paired bootstrap over origins.

    Returns one row per model: ``MASE(m=..)`` with ``_lower``/``_upper``;
    ``skill`` = 1 - MASE / MASE(seasonal naive) with ``skill_lower``,
    ``skill_upper`` and ``skill_excludes_0``. (``skill`` is the relative
    difference ``MASE_vs_B`` of :mod:`course_lib.evaluate.uncertainty` with
    its sign turned, so that positive means better.)
    """
    baseline = _baseline(result, baseline)
    metric = f"MASE(m={result.m})"
    per_origin = _per_origin(result)
    # a benchmark without any error leaves skill undefined (0/0): no ratio to resample
    defined = per_origin[baseline][metric].mean() > 0
    table = mean_intervals(per_origin, np.arange(result.scores["origin"].nunique()),
                           baseline=baseline if defined else None, n_resamples=n_resamples,
                           level=level, seed=seed)
    out = table[[metric, f"{metric}_lower", f"{metric}_upper"]].copy()
    if defined:
        vs = vs_column(metric, baseline)
        out["skill"] = 0.0 - table[vs]          # 0.0 - x: no -0.0 for the baseline itself
        out["skill_lower"] = 0.0 - table[f"{vs}_upper"]
        out["skill_upper"] = 0.0 - table[f"{vs}_lower"]
        out["skill_excludes_0"] = table[f"{vs}_excludes_0"]
    else:
        out[["skill", "skill_lower", "skill_upper"]] = np.nan
        out["skill_excludes_0"] = False
    out.attrs.update(table.attrs, baseline=baseline, metric=metric,
                     n_origins=result.scores["origin"].nunique())
    return out


def skill_sentence(intervals: pd.DataFrame, model: str) -> str:
    """"ARIMA… skill +8.1 % against seasonal naive (m=6), 95 % CI +2.0 % … +14.1 %" (or: not distinguishable)."""
    row = intervals.loc[model]
    baseline, level = intervals.attrs["baseline"], intervals.attrs["level"]
    if pd.isna(row["skill"]):
        return (f"{model}: no skill against {baseline} can be measured here, because {baseline} made "
                "no error on these origins (the series repeats itself exactly there, e.g. zeros)")
    ci = f"{100 * level:.0f} % CI {percent(row['skill_lower'])} … {percent(row['skill_upper'])}"
    if row["skill_excludes_0"]:
        return f"{model}: skill {percent(row['skill'])} against {baseline}, {ci}"
    return f"{model} is not distinguishable from {baseline}: skill {percent(row['skill'])}, {ci}"


@dataclass
class ForecastChoice:
    """What was chosen on the validation origins, and how it does on the test origins."""

    chosen: str
    baseline: str
    metric: str                  # "MASE(m=..)"
    validation: pd.DataFrame     # leaderboard on validation origins, best first: what the choice saw
    test: pd.DataFrame           # test origins, rows in validation order, with intervals; ``chosen``
    validation_result: RollingResult
    test_result: RollingResult

    @property
    def validation_origins(self) -> list:
        return sorted(self.validation_result.scores["origin"].unique())

    @property
    def test_origins(self) -> list:
        return sorted(self.test_result.scores["origin"].unique())

    def forecasts(self) -> pd.DataFrame:
        """Every forecast of both blocks, with a ``block`` column (validation or test)."""
        return pd.concat([self.validation_result.forecasts.assign(block="validation"),
                          self.test_result.forecasts.assign(block="test")], ignore_index=True)

    def describe(self) -> str:
        """Two lines: the choice on validation, and what it scores on test."""
        v, t = self.validation_origins, self.test_origins
        val = self.validation.set_index("model").loc[self.chosen, self.metric]
        row = self.test.set_index("model").loc[self.chosen]
        ivs = self.test.set_index("model")
        ivs.attrs.update(self.test.attrs)
        return (f"chosen on {len(v)} validation origins ({v[0]:%Y-%m-%d} to {v[-1]:%Y-%m-%d}): "
                f"{self.chosen}, {self.metric} {val:.3f}\n"
                f"on {len(t)} test origins ({t[0]:%Y-%m-%d} to {t[-1]:%Y-%m-%d}): {self.metric} "
                f"{row[self.metric]:.3f} (95 % CI {row[self.metric + '_lower']:.3f} to "
                f"{row[self.metric + '_upper']:.3f}); " + skill_sentence(ivs, self.chosen))

    def versus(self, model: str, other: str) -> str:
        """A paired comparison of two models on the test origins, as a sentence."""

        attrs = self.test.attrs
        table = mean_intervals(_per_origin(self.test_result), np.arange(len(self.test_origins)),
                               baseline=other, n_resamples=attrs["n_resamples"], level=attrs["level"],
                               seed=attrs.get("seed", 0))
        return difference_sentence(table, model, self.metric, other, higher_is_better=False)


def choose_forecaster(result: RollingResult, *, test_share: float = 0.5, n_test: int | None = None,
                      candidates=None, baseline: str | None = None, n_resamples: int = N_RESAMPLES,
                      level: float = LEVEL, seed: int = 0) -> ForecastChoice:
    """Choose the model with the lowest mean MASE on the validation origins; score it on the test origins.

    ``result`` comes from :func:`~course_lib.evaluate.rolling.rolling_origin`
    over all origins (each fit sees only data before its origin, so splitting
    the scores afterwards equals running the two blocks separately).
    ``candidates`` limits the choice (default: every model, benchmarks
    included: if seasonal naive wins on validation, it is the choice).
    """
    baseline = _baseline(result, baseline)
    valid, test = split_origins(result, test_share=test_share, n_test=n_test)
    metric = f"MASE(m={result.m})"
    valid_board = leaderboard(valid, baseline=baseline)
    pool = valid_board if candidates is None else valid_board[valid_board["model"].isin(list(candidates))]
    if pool.empty:
        raise ValueError(f"none of the candidates {candidates} was evaluated")
    chosen = str(pool.sort_values(metric, kind="stable")["model"].iloc[0])
    order = list(valid_board["model"])
    test_board = leaderboard(test, baseline=baseline).set_index("model").loc[order]
    ivs = skill_intervals(test, baseline=baseline, n_resamples=n_resamples, level=level, seed=seed).loc[order]
    if not (np.allclose(ivs["skill"], test_board["skill"], equal_nan=True)
            and np.allclose(ivs[metric], test_board[metric], equal_nan=True)):   # NaN: undefined in both
        raise RuntimeError("the bootstrap's point values differ from the leaderboard's")
    for column in [c for c in ivs.columns if c not in test_board.columns]:
        test_board[column] = ivs[column]
    test_board["chosen"] = test_board.index == chosen
    test_board = test_board.reset_index()
    test_board.attrs.update(ivs.attrs, seed=seed)
    return ForecastChoice(chosen, baseline, metric, valid_board, test_board, valid, test)
