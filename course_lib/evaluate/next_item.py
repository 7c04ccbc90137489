"""Evaluating next-item models under the shared protocol (lessons 05-09).

Every model scores every training item for every test prefix; the target's
rank counts ties against it (see :mod:`course_lib.evaluate.ranking`);
evaluation is batched and vectorised.

The ranks are computed once and kept (:func:`rank_model`,
:func:`ranked_leaderboard`): a paired bootstrap over the test *sessions*
re-weights them into 95 % intervals, and into each model's difference to
the best simple baseline (chosen on validation, :func:`choose_baseline`);
:func:`verdict` names a winner only when that difference's interval
excludes 0. A neural model can be trained over several seeds; its row is
then the mean over seeds, with their spread beside the interval.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from course_lib.evaluate.ranking import (ranking_metrics, ranks_in_batches, sampled_target_ranks,
                                        target_ranks)
from course_lib.evaluate.seeds import SeedRuns, with_seed_spread
from course_lib.models.base import clone
from course_lib.models.baselines import MarkovChain, Popularity
from course_lib.models.neighbours import SessionKNN
from course_lib.evaluate.uncertainty import (LEVEL, N_RESAMPLES, RANKING_METRICS, SIMPLE_BASELINES,
                                            percent, prediction_sessions, ranking_intervals,
                                            vs_column, with_intervals)

LEADERBOARD_COLUMNS = ["model", "HR@10", "HR@20", "MRR@20", "NDCG@10", "train_s", "predict_s", "params"]


def metrics_row(name: str, ranks, train_s: float, predict_s: float, params: int) -> dict:
    """One leaderboard row from target ranks: (predictions,) or (seeds, predictions), whose
    metrics are then the means over the seeds."""
    metrics = ranking_metrics(np.asarray(ranks).ravel(), ks=(10, 20))
    return {"model": name, **{k: metrics[k] for k in ("HR@10", "HR@20", "MRR@20", "NDCG@10")},
            "train_s": train_s, "predict_s": predict_s, "params": params}


def rank_model(model, X, y, batch_size: int = 2048) -> tuple[dict, np.ndarray]:
    """(leaderboard row, target ranks) of a fitted model on (X, y): the ranks are kept, so the
    bootstrap and the breakdown never score the test twice."""
    start = time.perf_counter()
    ranks = ranks_in_batches(model.score, X, y, batch_size=batch_size)
    predict_s = time.perf_counter() - start
    return metrics_row(model.name, ranks, model.train_seconds, predict_s, model.params), ranks


def evaluate_model(model, X, y, batch_size: int = 2048) -> dict:
    """Full-ranking metrics of a fitted :class:`~course_lib.models.base.NextItemModel` on (X, y)."""
    return rank_model(model, X, y, batch_size)[0]


def fit_and_evaluate(model, split, X, y, progress: bool = False) -> dict:
    """Fit on ``split.train`` (the model times itself), then evaluate on (X, y)."""
    model.fit(split.train, split.n_items, progress=progress)
    return evaluate_model(model, X, y)


def leaderboard(rows) -> pd.DataFrame:
    """Rows from :func:`evaluate_model`, best MRR@20 first."""
    table = pd.DataFrame(rows)[LEADERBOARD_COLUMNS]
    return table.sort_values("MRR@20", ascending=False, ignore_index=True)


def choose_baseline(board: pd.DataFrame, baselines, validation: dict | None = None,
                    metric: str = "MRR@20") -> tuple[str | None, str]:
    """(the best simple baseline on ``board``, how it was chosen).

    Chosen on ``validation`` (model -> validation score) when every baseline
    of the board has one: picking it on the test would favour the baseline.
    Otherwise on the test (the note says so). None when the board holds no
    baseline.
    """
    present = [m for m in board["model"] if m in set(baselines)]
    if not present:
        return None, "no simple baseline on the board"
    if validation and all(m in validation for m in present):
        best = max(present, key=lambda m: (validation[m], -present.index(m)))
        return best, f"the best simple baseline on the validation window ({metric} {validation[best]:.4f})"
    scores = board.set_index("model")[metric]
    best = max(present, key=lambda m: (scores[m], -present.index(m)))
    return best, "the best simple baseline on the test window (no validation scores)"


def board_with_intervals(board: pd.DataFrame, ranks: dict, units, *, baseline: str | None = None,
                         metrics=RANKING_METRICS, n_resamples: int = N_RESAMPLES, level: float = LEVEL,
                         seed: int = 0) -> pd.DataFrame:
    """``board`` with 95 % intervals from a paired bootstrap over test sessions (lessons 05, 09).

    ``ranks[model]``: the model's target ranks on the test prefixes (or
    (seeds, predictions)); ``units``: :func:`~course_lib.evaluate.uncertainty.prediction_sessions`
    of ``split.test``. Adds ``M_lower``/``M_upper`` after each metric and,
    with a ``baseline``, ``M_vs_B`` (relative difference), its interval and
    ``M_vs_B_excludes_0`` (see :mod:`course_lib.evaluate.uncertainty`).
    The bootstrap only resamples the ranks: nothing is scored again.
    """
    ivs = ranking_intervals({m: ranks[m] for m in board["model"]}, units, metrics=list(metrics),
                            baseline=baseline, n_resamples=n_resamples, level=level, seed=seed)
    out = with_intervals(board, ivs)
    out.attrs.update(n_sessions=int(len(np.unique(units))), n_predictions=int(len(units)), seed=seed)
    return out


def _ci(row, column: str, level: float) -> str:
    return f"{100 * level:.0f} % CI {percent(row[column + '_lower'])} … {percent(row[column + '_upper'])}"


def difference_lines(board: pd.DataFrame, metric: str = "MRR@20") -> list[str]:
    """One sentence per model against the board's baseline, from its interval columns: which
    differences this test window can see (excludes 0) and which it cannot."""
    baseline, level = board.attrs.get("baseline"), board.attrs.get("level", LEVEL)
    if baseline is None:
        return []
    column = vs_column(metric, baseline)
    lines = []
    for _, row in board.iterrows():
        if row["model"] == baseline:
            continue
        if row[column + "_excludes_0"]:
            word = "better" if row[column] > 0 else "worse"
            lines.append(f"{row['model']}: {percent(row[column])} {metric} against {baseline}, "
                         f"{_ci(row, column, level)}: {word}, and the interval excludes 0")
        else:
            lines.append(f"{row['model']}: {percent(row[column])} {metric} against {baseline}, "
                         f"{_ci(row, column, level)}: cannot be told apart on this test window")
    return lines


def verdict(board: pd.DataFrame, baselines, metric: str = "MRR@20") -> str:
    """Which wins on ``board``, said plainly and only as surely as the test window allows
    (lessons 05-10, the report).

    The best model that is not one of ``baselines`` is compared with the
    board's baseline (``board.attrs["baseline"]``, from
    :func:`board_with_intervals`; without interval columns, the best of
    ``baselines`` and the bare numbers). A winner is named only when the
    95 % interval of the difference excludes 0; otherwise the sentence says
    the two cannot be told apart on this test window.
    """
    baseline = board.attrs.get("baseline")
    column = vs_column(metric, baseline) if baseline else None
    is_baseline = board["model"].isin(list(baselines))
    rows = board.set_index("model")
    if column is None or column not in board:
        if is_baseline.all() or not is_baseline.any():
            best = board.loc[board[metric].idxmax()]
            ci = (f"95 % CI {best[metric + '_lower']:.4f} to {best[metric + '_upper']:.4f}"
                  if metric + "_lower" in board else "no interval computed")
            return f"Best: {best['model']} ({metric} {best[metric]:.4f}, {ci}); no simple baseline to compare with."
        model = board[~is_baseline].loc[lambda t: t[metric].idxmax()]
        base = board[is_baseline].loc[lambda t: t[metric].idxmax()]
        return (f"{model['model']}: {metric} {model[metric]:.4f} against {base[metric]:.4f} for the best "
                f"baseline, {base['model']} (no interval computed, so no winner is named).")
    others = board[~is_baseline] if (~is_baseline).any() else board[board["model"] != baseline]
    if others.empty:
        row = rows.loc[baseline]
        return f"Only {baseline} was evaluated: {metric} {row[metric]:.4f}."
    name = str(others.loc[others[metric].idxmax(), "model"])
    row, level = rows.loc[name], board.attrs.get("level", LEVEL)
    n = board.attrs.get("n_sessions")
    sessions = f" ({n:,} test sessions)" if n else ""
    change = f"{percent(row[column])} {metric}, {_ci(row, column, level)}"
    if not row[column + "_excludes_0"]:
        return (f"{name} and {baseline} cannot be told apart on this test window{sessions}: "
                f"{name} {change} against {baseline}.")
    if row[column] > 0:
        return f"{name} beats the best simple baseline, {baseline}{sessions}: {change}."
    return (f"The best simple baseline, {baseline}, beats {name}{sessions}: {name} {change} "
            f"against it.")


@dataclass
class RankedBoard:
    """A test leaderboard whose models were fitted once (a multi-seed model once per seed) and
    whose ranks are kept: the intervals, the seed spread and the breakdown need nothing else."""

    board: pd.DataFrame                 # best MRR@20 first, with the interval (and seed) columns
    models: list                        # fitted models (a multi-seed model: its first seed)
    ranks: dict[str, np.ndarray]        # name -> (predictions,) or (seeds, predictions)
    units: np.ndarray                   # the test session of each prediction
    baseline: str | None                # the best simple baseline (on validation when given)
    baseline_note: str = ""
    seed_runs: dict[str, SeedRuns] = field(default_factory=dict)
    interval_seconds: float = 0.0       # what the bootstrap cost

    def plain(self) -> pd.DataFrame:
        """The leaderboard without the interval columns."""
        return self.board[LEADERBOARD_COLUMNS].copy()


def _fit_and_rank(model, split, X, y, seeds: Sequence[int] | None, progress: bool, log, fit=None):
    """(row, ranks, fitted model, SeedRuns or None)."""
    fit = fit or (lambda m, sessions, n_items, progress: m.fit(sessions, n_items, progress=progress))
    if not seeds or len(seeds) < 2:
        if log:
            log(f"fitting {model.name} ...")
        fit(model, split.train, split.n_items, progress=progress)
        row, ranks = rank_model(model, X, y)
        return row, ranks, model, None
    fitted, all_ranks, seconds, predict_s = None, [], [], 0.0
    for i, s in enumerate(seeds):
        m = clone(model, seed=int(s))
        if log:
            log(f"fitting {m.name} (seed {s}, {i + 1} of {len(seeds)}) ...")
        fit(m, split.train, split.n_items, progress=progress)
        row, ranks = rank_model(m, X, y)
        predict_s += row["predict_s"]
        all_ranks.append(ranks)
        seconds.append(float(m.train_seconds))
        fitted = fitted or m
    ranks = np.vstack(all_ranks)
    runs = SeedRuns(fitted.name, [int(s) for s in seeds], ranks, seconds)
    # the metrics are the means over seeds; train_s and predict_s those of one training
    row = metrics_row(fitted.name, ranks, float(np.mean(seconds)), predict_s / len(seeds), fitted.params)
    return row, ranks, fitted, runs


def ranked_leaderboard(models, split, X, y, *, baselines=SIMPLE_BASELINES, validation: dict | None = None,
                       seeds: dict[str, Sequence[int]] | None = None, n_resamples: int = N_RESAMPLES,
                       progress: bool = False, log=None, fit=None) -> RankedBoard:
    """Fit each model on ``split.train``, rank (X, y) once, and add the intervals
    (lessons 05-09, ``course-lib``).

    ``validation``: model -> validation score, to choose the best of
    ``baselines`` without looking at the test; ``seeds``: model name ->
    seeds to train it with (the row is then the mean over seeds, and the
    spread over seeds is added beside the interval); ``n_resamples`` 0: no
    intervals. (X, y) must be ``split.test_prefixes(...)``: the bootstrap
    resamples ``split.test``'s sessions. ``fit(model, sessions, n_items, progress=...)``
    fits one model (by default ``model.fit``); lesson 09 passes
    :meth:`~course_lib.evaluate.recorded_choices.RecordedChoices.fitted`, which restores
    a network whose same fit was recorded.
    """
    rows, fitted, ranks, seed_runs = [], [], {}, {}
    for model in models:
        row, r, model, runs = _fit_and_rank(model, split, X, y, (seeds or {}).get(model.name), progress, log,
                                            fit)
        rows.append(row)
        fitted.append(model)
        ranks[model.name] = r
        if runs is not None:
            seed_runs[model.name] = runs
    board = leaderboard(rows)
    units = prediction_sessions(split.test)
    if len(units) != len(y):
        raise ValueError("X, y must be split.test_prefixes(max_len) of the same split")
    baseline, how = choose_baseline(board, baselines, validation)
    start = time.perf_counter()
    if n_resamples and len(split.test) >= 2:
        board = board_with_intervals(board, ranks, units, baseline=baseline, n_resamples=n_resamples)
        if seed_runs:
            board = with_seed_spread(board, [runs.summary(units, n_resamples=n_resamples)
                                             for runs in seed_runs.values()])
    board.attrs.update(baseline=baseline, baseline_note=how, n_sessions=int(len(split.test)),
                       n_predictions=int(len(y)))
    return RankedBoard(board, fitted, ranks, units, baseline, how, seed_runs,
                       time.perf_counter() - start)


def tune(make_model, grid: list[dict], split, X, y, metric: str = "MRR@20") -> tuple[dict, pd.DataFrame]:
    """Try each parameter set on the *validation* split; return the best and the table."""
    rows = []
    for params in grid:
        result = fit_and_evaluate(make_model(**params), split, X, y)
        rows.append({**params, metric: result[metric], "train_s": result["train_s"]})
    best = grid[int(np.argmax([r[metric] for r in rows]))]   # a tie: the first in the grid
    # stable: tied settings keep the grid's order, so the chosen one is the top row
    table = pd.DataFrame(rows).sort_values(metric, ascending=False, kind="stable", ignore_index=True)
    return dict(best), table


def baselines_on_validation(valid, max_len: int, sknn_grid: list[dict]) -> tuple[dict, dict[str, float]]:
    """(session-kNN's settings chosen on the validation split ``valid`` with ``sknn_grid``, the
    validation MRR@20 of popularity, the Markov chain and that session-kNN): what chooses the best
    simple baseline without looking at the test (lessons 08, 09; :func:`choose_baseline`)."""
    X, y = valid.test_prefixes(max_len)
    best_knn, knn_table = tune(SessionKNN, sknn_grid, valid, X, y)
    scores = {m.name: fit_and_evaluate(m, valid, X, y)["MRR@20"] for m in (Popularity(), MarkovChain())}
    return best_knn, {**scores, "sknn": float(knn_table["MRR@20"].iloc[0])}


def full_and_sampled(model, X, y, n_negatives: int = 100, k: int = 10, batch_size: int = 2048) -> dict:
    """HR@k with the full catalogue against HR@k among ``n_negatives`` sampled items (lesson 07)."""
    full, sampled = [], []
    for s in range(0, len(y), batch_size):
        scores = model.score(X[s:s + batch_size])
        targets = y[s:s + batch_size]
        full.append(target_ranks(scores, targets))
        sampled.append(sampled_target_ranks(scores, targets, n_negatives, seed=s))
    full, sampled = np.concatenate(full), np.concatenate(sampled)
    return {"model": model.name, f"HR@{k} full": float(np.mean(full <= k)),
            f"HR@{k} sampled ({n_negatives})": float(np.mean(sampled <= k))}


def breakdown(model, split, X, y, long_from: int = 5, k: int = 20, ranks=None) -> pd.DataFrame:
    """Error analysis (lesson 09): the model's MRR@k and HR@k on parts of the test.

    * **repeat** predictions, whose target already occurs in the prefix (a
      shopper going back to an item), against **new** ones;
    * predictions in **short** sessions (fewer than ``long_from`` items)
      against **long** ones. ``X, y`` must be ``split.test_prefixes(...)``.

    ``ranks``: the model's target ranks on (X, y) when they are known
    already ((predictions,) or (seeds, predictions)); else it scores them.
    """
    lengths = split.test.map(len).to_numpy()
    session_length = np.repeat(lengths, lengths - 1)
    if len(session_length) != len(y):
        raise ValueError("X, y must be split.test_prefixes(max_len) of the same split")
    ranks = np.asarray(ranks_in_batches(model.score, X, y) if ranks is None else ranks)
    repeat = (np.asarray(X) == np.asarray(y)[:, None]).any(axis=1)
    groups = {"repeat item": repeat, "new item": ~repeat,
              f"short session (<{long_from} items)": session_length < long_from,
              f"long session (>={long_from} items)": session_length >= long_from}
    rows = []
    for group, mask in groups.items():
        metrics = ranking_metrics(ranks[..., mask].ravel(), ks=(k,)) if mask.any() else {}
        rows.append({"model": model.name, "group": group, "share": float(mask.mean()),
                     f"MRR@{k}": metrics.get(f"MRR@{k}", np.nan), f"HR@{k}": metrics.get(f"HR@{k}", np.nan)})
    return pd.DataFrame(rows)
