"""The next-item leaderboard from a prepared folder (``course-lib next-item --prepared``, issue 18).

The protocol is the one of :mod:`course_lib.evaluate.next_item` (full
ranking over the training items, ties counted against the target), on the
split that ``course-lib prepare`` wrote:

* Keras models (GRU4Rec, LSTM, SASRec) train from the shards as a stream
  (:class:`~course_lib.models.streaming.WindowBatches`): memory does not grow
  with the data;
* the baselines and SR-GNN need whole sessions: they are rebuilt from the
  windows in memory (:meth:`~course_lib.prep.prepared.PreparedData.train_sessions`);
* the test prefixes are scored one shard at a time; only the ranks are kept,
  and the 95 % intervals resample the test sessions (the shards' ``session``
  column) as :mod:`course_lib.evaluate.next_item` does. Nothing is tuned on a
  prepared folder, so the baseline to beat is the best simple one on the test
  (which favours the baseline; the note says so).
"""
from __future__ import annotations

import contextlib
import time

import numpy as np

from course_lib.evaluate.next_item import board_with_intervals, choose_baseline, leaderboard
from course_lib.evaluate.uncertainty import N_RESAMPLES, SIMPLE_BASELINES
from course_lib.evaluate.ranking import ranking_metrics, ranks_in_batches
from course_lib.models.streaming import WindowBatches


def prepared_ranks(model, prepared, batch_size: int = 2048) -> np.ndarray:
    """The rank of every test target, shard by shard."""
    ranks = [ranks_in_batches(model.score, X, y, batch_size=batch_size)
             for _, X, y in prepared.iter_shards("test") if len(y)]
    return np.concatenate(ranks) if ranks else np.zeros(0, dtype=np.int64)


def fit_prepared(model, prepared, *, progress: bool = False, distribution=None, sessions=None):
    """Fit ``model`` on a prepared folder's training part (timed in ``model.train_seconds``)."""
    if getattr(model, "takes_prefixes", False):
        if getattr(model, "max_len", prepared.max_len) != prepared.max_len:
            raise ValueError(f"{model.name} expects max_len {model.max_len}, the folder holds "
                             f"windows of {prepared.max_len}")
        batches = WindowBatches(prepared, model.batch_size, seed=getattr(model, "seed", 0))
        scope = distribution.scope() if distribution is not None else contextlib.nullcontext()
        with scope:
            model.fit_batches(batches, prepared.n_items, progress=progress)
    else:
        sessions = sessions if sessions is not None else prepared.train_sessions()
        model.fit(sessions, prepared.n_items, progress=progress)
    return model


def prepared_units(prepared) -> np.ndarray:
    """The test session of every test prefix, shard by shard (the bootstrap's units)."""
    units = [session for session, _, y in prepared.iter_shards("test") if len(y)]
    return np.concatenate(units) if units else np.zeros(0, dtype=np.int64)


def prepared_leaderboard(prepared, models, *, progress: bool = False, distribution=None,
                         log=print, n_resamples: int = N_RESAMPLES):
    """(leaderboard, fitted models) of ``models`` on a prepared folder, with 95 % intervals over
    test sessions (``n_resamples`` 0: none)."""
    rows, sessions, ranks = [], None, {}
    for model in models:
        log(f"fitting {model.name} ...")
        if not getattr(model, "takes_prefixes", False) and sessions is None:
            sessions = prepared.train_sessions()
        fit_prepared(model, prepared, progress=progress, distribution=distribution,
                     sessions=sessions)
        start = time.perf_counter()
        ranks[model.name] = prepared_ranks(model, prepared)
        metrics = ranking_metrics(ranks[model.name], ks=(10, 20))
        rows.append({"model": model.name,
                     **{k: metrics[k] for k in ("HR@10", "HR@20", "MRR@20", "NDCG@10")},
                     "train_s": model.train_seconds, "predict_s": time.perf_counter() - start,
                     "params": getattr(model, "params", 0)})
    board = leaderboard(rows)
    units = prepared_units(prepared)
    if n_resamples and len(np.unique(units)) >= 2:
        baseline, how = choose_baseline(board, SIMPLE_BASELINES)
        board = board_with_intervals(board, ranks, units, baseline=baseline, n_resamples=n_resamples)
        board.attrs.update(baseline_note=how)
    return board, list(models)
