"""A neural model over several seeds: the mean, the spread, and the bootstrap interval (lessons 05, 07, 09).

A neural model's score depends on its random start and the order of its
mini-batches; one seed is one draw. :func:`over_seeds` trains the same
model with several seeds (the ``seed`` constructor argument of the model
contract) and keeps every seed's target ranks. :meth:`SeedRuns.summary`
reports, for each metric, the mean over seeds, their spread (sd, min, max),
and the 95 % bootstrap interval over test sessions of the seed-averaged
metric: the spread says how much training luck moves the score, the
interval how much the choice of test sessions does.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from course_lib.evaluate.ranking import ranks_in_batches
from course_lib.evaluate.uncertainty import (LEVEL, N_RESAMPLES, RANKING_METRICS, rank_values,
                                             ranking_intervals)


@dataclass
class SeedRuns:
    """One model trained with each seed: its ranks on the same test predictions."""

    name: str
    seeds: list[int]
    ranks: np.ndarray            # (n_seeds, n_predictions)
    train_seconds: list[float]
    epoch_seconds: list[float] = field(default_factory=list)  # per seed, once compiled (NaN: not known)

    def per_seed(self, metrics: Sequence[str] = RANKING_METRICS) -> pd.DataFrame:
        """One row per seed: the metrics and the training time."""
        rows = [{"seed": s, **rank_values(r, metrics).mean().to_dict(), "train_s": t}
                for s, r, t in zip(self.seeds, self.ranks, self.train_seconds)]
        return pd.DataFrame(rows)

    def summary(self, units, metrics: Sequence[str] = RANKING_METRICS, *, n_resamples: int = N_RESAMPLES,
                level: float = LEVEL, seed: int = 0) -> pd.DataFrame:
        """One row: for each metric ``M`` the mean over seeds, ``M_seed_sd`` (ddof 1),
        ``M_seed_min``, ``M_seed_max``, and ``M_lower``/``M_upper`` (bootstrap over ``units``).

        ``units``: :func:`~course_lib.evaluate.uncertainty.prediction_sessions`.
        """
        per_seed = self.per_seed(metrics)
        ivs = ranking_intervals({self.name: self.ranks}, units, metrics=metrics,
                                n_resamples=n_resamples, level=level, seed=seed)
        row = {"model": self.name, "seeds": len(self.seeds)}
        for metric in metrics:
            values = per_seed[metric]
            row[metric] = float(ivs.loc[self.name, metric])
            row[f"{metric}_lower"] = float(ivs.loc[self.name, f"{metric}_lower"])
            row[f"{metric}_upper"] = float(ivs.loc[self.name, f"{metric}_upper"])
            row[f"{metric}_seed_sd"] = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
            row[f"{metric}_seed_min"] = float(values.min())
            row[f"{metric}_seed_max"] = float(values.max())
        row["train_s"] = float(np.sum(self.train_seconds))
        return pd.DataFrame([row])


def over_seeds(make_model: Callable[[int], object], split, X, y, seeds: Sequence[int] = (0, 1, 2), *,
               progress: bool = False, batch_size: int = 2048) -> SeedRuns:
    """Train ``make_model(seed)`` on ``split.train`` once per seed; rank the targets ``y`` of ``X``.

    ``make_model`` returns an unfitted next-item model (``fit(sessions,
    n_items)``, ``score(X)``, ``name``), e.g. ``lambda s: GRU4Rec(epochs=3, seed=s)``.
    """
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"give distinct seeds, got {seeds}")
    ranks, seconds, per_epoch, names = [], [], [], set()
    for s in seeds:
        model = make_model(s)
        start = time.perf_counter()
        model.fit(split.train, split.n_items, progress=progress)
        elapsed = time.perf_counter() - start
        own = getattr(model, "train_seconds", None)  # models that time themselves
        seconds.append(float(own) if own is not None and np.isfinite(own) and own > 0 else elapsed)
        per_epoch.append(model.seconds_per_epoch() if hasattr(model, "seconds_per_epoch") else float("nan"))
        ranks.append(ranks_in_batches(model.score, X, y, batch_size=batch_size))
        names.add(model.name)
    if len(names) != 1:
        raise ValueError(f"make_model built differently named models: {sorted(names)}")
    return SeedRuns(names.pop(), seeds, np.vstack(ranks), seconds, per_epoch)


def with_seed_spread(board: pd.DataFrame, summaries: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """``board`` with each multi-seed model's ``M_seed_sd``/``_min``/``_max`` and ``seeds`` columns.

    ``summaries``: :meth:`SeedRuns.summary` tables; models trained once get
    NaN spread and ``seeds`` 1. The board's point values of those models
    must be the seed means (as :func:`~course_lib.evaluate.uncertainty.ranking_intervals`
    computes them from 2-D ranks).
    """
    if not summaries:
        return board.assign(seeds=1)
    spread = pd.concat(summaries, ignore_index=True).set_index("model")
    columns = ["seeds"] + [c for c in spread.columns if "_seed_" in c]
    out = board.merge(spread[columns], left_on="model", right_index=True, how="left")
    out["seeds"] = out["seeds"].fillna(1).astype(int)
    out.attrs.update(board.attrs)  # merge drops them: keep the baseline, level, resamples
    return out
