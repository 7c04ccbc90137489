"""Confidence intervals for leaderboards: the paired bootstrap (lesson 03 explains it; 05-09 use it).

A leaderboard number is one draw: other test sessions (or other forecast
origins, other customers) would give another number. The **bootstrap**
estimates how much it would move: draw as many *units* as the test has, with
replacement, recompute the metric, repeat a few thousand times, and read the
middle 95 % of the recomputed values (the **percentile interval**).

* **Units are what is independent.** Next-item predictions within one
  session are correlated, so we resample *sessions*; forecasts are resampled
  by *origin*; yes/no predictions by customer or session.
* **Paired.** Every model is scored on the same resampled units (one shared
  set of weights), so the difference between two models varies far less
  than either model alone: what they share cancels out.
* **Fast.** For metrics that are means (HR, MRR, NDCG per prediction; MASE
  per origin) each unit is reduced once to a sum and a count; a resample is a
  vector of multinomial counts, and every replicate is the ratio
  ``counts @ sums / counts @ n``, for all models and metrics in one matrix
  product. Sessions have different numbers of predictions, hence the ratio.
  ROC-AUC and PR-AUC, which are not means, have a fast path of their own,
  :func:`auc_intervals`: a resample weights the cases, and one sort of the
  scores serves every resample. Other metrics that are not means take the
  generic path, :func:`bootstrap_statistic`, which recomputes them on each
  resample.

Why the percentile interval: it needs nothing beyond the replicates, stays
inside the metric's range (an HR interval never leaves [0, 1]), and the
tests show it covers a known mean in 95 % of repetitions at leaderboard
sizes (hundreds of sessions or more). BCa would correct for skew, but it
needs a jackknife (one refit per unit: thousands of recomputations on the
generic path) and the skew of means over hundreds of units is negligible.
With few units (a dozen forecast origins) every bootstrap interval is rough
and a little too narrow; say so where it matters.

Columns, for a metric ``M`` and the best simple baseline ``B``: ``M``,
``M_lower``, ``M_upper``; ``M_vs_B`` = M / M(B) - 1 (a relative difference,
+0.055 = 5.5 % better for a higher-is-better metric), ``M_vs_B_lower``,
``M_vs_B_upper`` and ``M_vs_B_excludes_0``; ``B`` is the baseline's name.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from course_lib.evaluate.classification import pr_auc, roc_auc, weighted_aucs

LEVEL = 0.95
N_RESAMPLES = 2000
SIMPLE_BASELINES = ("pop", "markov", "sknn", "vsknn", "stan")
RANKING_METRICS = ("HR@10", "HR@20", "MRR@20", "NDCG@10")
_BLOCK_ENTRIES = 20_000_000  # resample counts held in memory at once


# --------------------------------------------------------------------------- #
# units

def prediction_sessions(test_sessions) -> np.ndarray:
    """The session (0, 1, ...) of each prediction of ``split.test_prefixes``: the bootstrap's units.

    A session of n items gives n - 1 predictions, in session order.
    """
    lengths = np.fromiter((len(s) for s in test_sessions), dtype=np.int64)
    return np.repeat(np.arange(len(lengths)), np.maximum(lengths - 1, 0))


def unit_sums(values, units) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit sums of ``values`` (n_obs, k) and per-unit counts, units in sorted order."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    units = np.asarray(units)
    if len(units) != len(values):
        raise ValueError(f"{len(values)} values but {len(units)} unit labels: give one unit per value")
    _, index = np.unique(units, return_inverse=True)
    order = np.argsort(index, kind="stable")
    counts = np.bincount(index).astype(float)
    starts = np.concatenate([[0], np.cumsum(counts[:-1])]).astype(np.int64)
    sums = np.add.reduceat(values[order], starts, axis=0) if len(values) else np.zeros((0, values.shape[1]))
    return sums, counts


# --------------------------------------------------------------------------- #
# the bootstrap itself

def resample_counts(n_units: int, n_resamples: int = N_RESAMPLES, seed: int = 0) -> Iterator[np.ndarray]:
    """Blocks of multinomial resample counts, shape (r, n_units): how often each unit is drawn.

    Each row draws ``n_units`` units with replacement. The same ``seed``
    gives the same rows, whatever is resampled with them (that is what
    makes a bootstrap *paired*).
    """
    if n_units < 2:
        raise ValueError(f"the bootstrap needs at least 2 independent units, got {n_units}")
    rng = np.random.default_rng(seed)
    block = max(1, min(n_resamples, _BLOCK_ENTRIES // n_units))
    for start in range(0, n_resamples, block):
        r = min(block, n_resamples - start)
        drawn = rng.integers(0, n_units, size=(r, n_units))
        offsets = (np.arange(r) * n_units)[:, None]
        yield np.bincount((drawn + offsets).ravel(), minlength=r * n_units).reshape(r, n_units)


def bootstrap_ratio(sums, counts, n_resamples: int = N_RESAMPLES, seed: int = 0) -> np.ndarray:
    """Replicates (n_resamples, k) of sum(sums) / sum(counts) over resampled units.

    ``sums``: (n_units, k); ``counts``: (n_units,) or (n_units, k). All k
    columns share the resamples (paired).
    """
    sums = np.asarray(sums, dtype=float)
    counts = np.asarray(counts, dtype=float)
    if counts.ndim == 1:
        counts = counts[:, None]
    out = []
    for w in resample_counts(len(sums), n_resamples, seed):
        w = w.astype(float)
        out.append((w @ sums) / (w @ counts))
    return np.concatenate(out)


def bootstrap_statistic(statistic: Callable[[np.ndarray], Sequence[float]], units,
                        n_resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """Generic path: replicates (n_resamples, k) of ``statistic(rows)`` for metrics that are not means.

    ``units`` labels each row (customer, session); a resample draws units
    with replacement and passes the row positions of the drawn units (a unit
    drawn twice appears twice) to ``statistic``, which returns k numbers
    (one per model, say), all computed on the same rows.
    """
    units = np.asarray(units)
    order = np.argsort(units, kind="stable")            # rows grouped by unit
    _, first, sizes = np.unique(units[order], return_index=True, return_counts=True)
    out = []
    for block in resample_counts(len(sizes), n_resamples, seed):
        for w in block:
            picked = np.repeat(np.arange(len(sizes)), w)
            lengths = sizes[picked]
            # positions first[u], first[u] + 1, ... for each picked unit u, back to back
            begin = np.repeat(first[picked] - (np.cumsum(lengths) - lengths), lengths)
            out.append(np.asarray(statistic(order[begin + np.arange(lengths.sum())]), dtype=float))
    return np.vstack(out)


def percentile_interval(replicates, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The (lower, upper) percentile interval of each column of ``replicates``."""
    tail = (1 - level) / 2
    replicates = np.asarray(replicates, dtype=float)
    quantile = np.nanquantile if np.isnan(replicates).any() else np.quantile
    low, high = quantile(replicates, [tail, 1 - tail], axis=0)
    return low, high


# --------------------------------------------------------------------------- #
# leaderboard columns

def vs_column(metric: str, baseline: str) -> str:
    """Name of the relative-difference column, e.g. ``MRR@20_vs_markov``."""
    return f"{metric}_vs_{baseline}"


def _columns(point: np.ndarray, reps: np.ndarray, models: list[str], metrics: list[str],
             baseline: str | None, level: float) -> pd.DataFrame:
    """The interval table from point values (m, k) and replicates (R, m, k)."""
    low, high = percentile_interval(reps.reshape(len(reps), -1), level)
    low, high = low.reshape(point.shape), high.reshape(point.shape)
    columns = {}
    for j, metric in enumerate(metrics):
        columns[metric] = point[:, j]
        columns[f"{metric}_lower"] = low[:, j]
        columns[f"{metric}_upper"] = high[:, j]
    if baseline is not None:
        if baseline not in models:
            raise ValueError(f"baseline {baseline!r} is not among the models: {models}")
        b = models.index(baseline)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = point / point[b] - 1
            rel_reps = reps / reps[:, b:b + 1, :] - 1
        # a baseline that scores 0 leaves the relative difference undefined: NaN, not inf, both
        # for the point value (no interval then) and for a resample where it scores 0 (left out)
        undefined = ~(point[b] != 0)
        rel[:, undefined] = np.nan
        if not np.isfinite(rel_reps).all():
            rel_reps = np.where(np.isfinite(rel_reps), rel_reps, np.nan)
        rel_reps[:, :, undefined] = 0.0   # a placeholder, so that no column is all NaN
        rlow, rhigh = percentile_interval(rel_reps.reshape(len(reps), -1), level)
        rlow, rhigh = rlow.reshape(point.shape), rhigh.reshape(point.shape)
        rlow[:, undefined] = rhigh[:, undefined] = np.nan
        for j, metric in enumerate(metrics):
            name = vs_column(metric, baseline)
            columns[name] = rel[:, j]
            columns[f"{name}_lower"] = rlow[:, j]
            columns[f"{name}_upper"] = rhigh[:, j]
            columns[f"{name}_excludes_0"] = (rlow[:, j] > 0) | (rhigh[:, j] < 0)
    table = pd.DataFrame(columns, index=pd.Index(models, name="model"))
    table.attrs.update(baseline=baseline, level=level, n_resamples=len(reps))
    return table


def mean_intervals(values: Mapping[str, pd.DataFrame], units, *, baseline: str | None = None,
                   n_resamples: int = N_RESAMPLES, level: float = LEVEL, seed: int = 0) -> pd.DataFrame:
    """Intervals for mean-type metrics of several models, by a paired bootstrap over ``units``.

    ``values[model]`` holds one row per observation (a prediction, an
    origin) and one column per metric, in the same row order for every
    model; ``units[i]`` is the independent unit of row i. The metric of a
    model is the mean over its rows (for sessions of different lengths, a
    ratio: resampled sums over resampled counts). Returns one row per model
    (in the given order) with ``M``, ``M_lower``, ``M_upper`` and, with a
    ``baseline``, ``M_vs_B`` and its interval (see the module docstring).
    """
    models = list(values)
    if not models:
        raise ValueError("no models to compare")
    metrics = list(values[models[0]].columns)
    n = len(values[models[0]])
    stacked = []
    for model in models:
        frame = values[model]
        if list(frame.columns) != metrics or len(frame) != n:
            raise ValueError(f"{model!r}: every model needs the same metrics and rows "
                             f"({metrics}, {n} rows), got {list(frame.columns)}, {len(frame)} rows")
        stacked.append(frame.to_numpy(dtype=float))
    data = np.hstack(stacked)                                   # (n_obs, m * k)
    sums, counts = unit_sums(data, units)
    point = (sums.sum(axis=0) / counts.sum()).reshape(len(models), len(metrics))
    reps = bootstrap_ratio(sums, counts, n_resamples, seed).reshape(-1, len(models), len(metrics))
    return _columns(point, reps, models, metrics, baseline, level)


def rank_values(ranks, metrics: Sequence[str] = RANKING_METRICS) -> pd.DataFrame:
    """Per-prediction contributions to HR@K, MRR@K, NDCG@K, so that their means are the metrics.

    ``ranks``: full-catalogue target ranks (1 = best) of one model; a 2-D
    array (seeds, predictions) gives the mean contribution over seeds.
    """
    ranks = np.asarray(ranks, dtype=float)
    columns = {}
    for metric in metrics:
        kind, k = metric.split("@")
        inside = ranks <= int(k)
        if kind == "HR":
            v = inside.astype(float)
        elif kind == "MRR":
            v = np.where(inside, 1.0 / ranks, 0.0)
        elif kind == "NDCG":
            v = np.where(inside, 1.0 / np.log2(ranks + 1.0), 0.0)
        else:
            raise ValueError(f"unknown ranking metric {metric!r}: use HR@K, MRR@K or NDCG@K")
        columns[metric] = v.mean(axis=0) if v.ndim == 2 else v
    return pd.DataFrame(columns)


def ranking_intervals(ranks: Mapping[str, np.ndarray], units, *, metrics: Sequence[str] = RANKING_METRICS,
                      baseline: str | None = None, n_resamples: int = N_RESAMPLES,
                      level: float = LEVEL, seed: int = 0) -> pd.DataFrame:
    """Intervals of next-item metrics from each model's target ranks, resampling sessions.

    ``ranks[model]``: the ranks of ``split.test_prefixes`` (one per
    prediction, or (seeds, predictions)); ``units``:
    :func:`prediction_sessions` of ``split.test``.
    """
    return mean_intervals({m: rank_values(r, metrics) for m, r in ranks.items()}, units,
                          baseline=baseline, n_resamples=n_resamples, level=level, seed=seed)


def statistic_intervals(metric_fns: Mapping[str, Callable], labels, scores: Mapping[str, np.ndarray],
                        units=None, *, baseline: str | None = None, n_resamples: int = 1000,
                        level: float = LEVEL, seed: int = 0) -> pd.DataFrame:
    """Intervals of metrics that are not means (PR-AUC, ROC-AUC), recomputed on each resample.

    ``metric_fns``: name -> f(labels, scores); ``scores[model]`` one score per
    row of ``labels``; ``units`` labels rows (customers, sessions; default:
    each row its own unit). Same columns as :func:`mean_intervals`.
    """
    labels = np.asarray(labels)
    models, metrics = list(scores), list(metric_fns)
    arrays = [np.asarray(scores[m], dtype=float) for m in models]
    units = np.arange(len(labels)) if units is None else np.asarray(units)

    def statistic(rows):
        return [metric_fns[k](labels[rows], a[rows]) for a in arrays for k in metrics]

    point = np.asarray(statistic(np.arange(len(labels)))).reshape(len(models), len(metrics))
    reps = bootstrap_statistic(statistic, units, n_resamples, seed).reshape(-1, len(models), len(metrics))
    return _columns(point, reps, models, metrics, baseline, level)


def auc_intervals(labels, scores: Mapping[str, np.ndarray], units=None, *,
                  metrics: Sequence[str] = ("ROC-AUC", "PR-AUC"), baseline: str | None = None,
                  n_resamples: int = 1000, level: float = LEVEL, seed: int = 0) -> pd.DataFrame:
    """:func:`statistic_intervals` for ROC-AUC and PR-AUC, every resample at once (lessons 08, 09).

    The same resamples, and so the same table, as the generic path with
    :func:`~course_lib.evaluate.classification.roc_auc` and
    :func:`~course_lib.evaluate.classification.pr_auc` (tested), but a
    resample is a row of counts that weights the cases, and
    :func:`~course_lib.evaluate.classification.weighted_aucs` scores a block
    of rows in one pass instead of a thousand Python calls.

    ``scores[model]`` is one score per case, or (seeds, cases) for a network
    trained with several seeds: its metrics are then the means over seeds,
    on the full test and on every resample (as :func:`ranking_intervals`
    does with ranks), so its interval covers the test cases for an average
    training run.
    """
    known = {"ROC-AUC": roc_auc, "PR-AUC": pr_auc}
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise ValueError(f"auc_intervals computes {', '.join(known)}, not {unknown}: "
                         "use statistic_intervals for other metrics")
    labels = np.asarray(labels)
    models, metrics = list(scores), list(metrics)
    arrays = [np.atleast_2d(np.asarray(scores[m], dtype=float)) for m in models]   # (seeds, cases)
    units = np.arange(len(labels)) if units is None else np.asarray(units)
    if len(units) != len(labels):
        raise ValueError(f"{len(labels)} labels but {len(units)} unit labels: give one unit per case")
    _, unit_of_case = np.unique(units, return_inverse=True)
    point = np.array([[np.mean([known[k](labels, run) for run in a]) for k in metrics] for a in arrays])
    rows_at_once = max(1, 2_000_000 // max(1, len(labels)))   # keeps each pass to ~16 MB per array
    reps = []
    for block in resample_counts(int(unit_of_case.max()) + 1, n_resamples, seed):
        for start in range(0, len(block), rows_at_once):
            weights = block[start:start + rows_at_once][:, unit_of_case]
            part = np.empty((len(weights), len(models), len(metrics)))
            for i, a in enumerate(arrays):
                roc, pr = np.mean([weighted_aucs(labels, run, weights) for run in a], axis=0)
                for j, k in enumerate(metrics):
                    part[:, i, j] = roc if k == "ROC-AUC" else pr
            reps.append(part)
    return _columns(point, np.concatenate(reps), models, metrics, baseline, level)


def best_baseline(table: pd.DataFrame, metric: str, *, candidates: Sequence[str] = SIMPLE_BASELINES,
                  higher_is_better: bool = True) -> str:
    """The name of the strongest simple baseline in ``table`` (a leaderboard with a ``model`` column).

    A model counts as a baseline when its name is a candidate key or starts
    with one followed by ``(`` (``sknn(k=100)``). Pick it on the validation
    leaderboard when there is one; picking it on test favours the baseline.
    """
    names = table["model"] if "model" in table else table.index.to_series()
    is_base = names.map(lambda n: any(n == c or str(n).startswith(c + "(") for c in candidates))
    if not is_base.any():
        raise ValueError(f"no simple baseline ({', '.join(candidates)}) among {list(names)}")
    scores = pd.Series(np.asarray(table[metric], dtype=float), index=np.asarray(names))[is_base.to_numpy()]
    return str(scores.idxmax() if higher_is_better else scores.idxmin())


def with_intervals(board: pd.DataFrame, intervals: pd.DataFrame) -> pd.DataFrame:
    """``board`` (one row per model, a ``model`` column) with the interval columns added.

    Each metric's ``_lower``/``_upper`` follow it; the ``_vs_B`` columns go
    at the end. The point values must agree: a board and intervals computed
    from different runs are refused.
    """
    missing = sorted(set(board["model"]) - set(intervals.index))
    if missing:
        raise ValueError(f"no intervals for {missing}")
    ivs = intervals.reindex(board["model"])
    out = board.copy()
    for metric in [c for c in intervals.columns if f"{c}_lower" in intervals.columns and "_vs_" not in c]:
        if metric in out:
            if not np.allclose(out[metric].to_numpy(float), ivs[metric].to_numpy(float), rtol=1e-9, atol=1e-12):
                raise ValueError(f"{metric}: the leaderboard and the intervals disagree "
                                 "(were they computed from the same predictions?)")
        else:
            out[metric] = ivs[metric].to_numpy()
        at = out.columns.get_loc(metric) + 1
        for suffix in ("_lower", "_upper"):
            out.insert(at, metric + suffix, ivs[metric + suffix].to_numpy())
            at += 1
    for column in [c for c in intervals.columns if "_vs_" in c]:
        out[column] = ivs[column].to_numpy()
    out.attrs.update(intervals.attrs)
    return out


# --------------------------------------------------------------------------- #
# the plain sentence

def percent(x: float) -> str:
    """A relative difference as a signed percentage: 0.055 -> '+5.5 %'."""
    x = 0.0 if abs(x) < 0.0005 else x  # no "-0.0 %"
    return f"{100 * x:+.1f} %"


def difference_sentence(table: pd.DataFrame, model: str, metric: str, baseline: str | None = None, *,
                        higher_is_better: bool = True, level: float | None = None) -> str:
    """"gru4rec +5.5 % MRR@20 over markov, 95 % CI +3.1 % … +7.9 %" from an interval table.

    ``table`` comes from :func:`mean_intervals` (or has the same columns; a
    ``model`` column or the model as index). When the interval contains 0
    the sentence says the two are not distinguishable. For a metric where
    lower is better (MASE) the sentence says so, and whether the difference is
    better or worse ("+19.5 % MASE(m=6) against ARIMA… (worse: lower is better), …").
    """
    rows = table.set_index("model") if "model" in table.columns else table
    baseline = baseline or rows.attrs.get("baseline") or table.attrs.get("baseline")
    if baseline is None:
        raise ValueError("which baseline? the table has no _vs_ columns")
    level = level or rows.attrs.get("level") or table.attrs.get("level") or LEVEL
    name = vs_column(metric, baseline)
    row = rows.loc[model]
    diff, low, high = (float(row[c]) for c in (name, f"{name}_lower", f"{name}_upper"))
    ci = f"{100 * level:.0f} % CI {percent(low)} … {percent(high)}"
    if low <= 0 <= high:
        direction = "" if higher_is_better else " (lower is better)"
        return (f"{model} is not distinguishable from {baseline} on {metric}: "
                f"{percent(diff)}{direction}, {ci}")
    if higher_is_better:
        return f"{model} {percent(diff)} {metric} over {baseline}, {ci}"
    verdict = "worse" if diff > 0 else "better"   # "+19.5 % MASE" must not read as a gain
    return f"{model} {percent(diff)} {metric} against {baseline} ({verdict}: lower is better), {ci}"
