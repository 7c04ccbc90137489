"""Task 1 of the case study: the next-item leaderboard and its breakdown (lesson 08, ``course-lib``).

The protocol of lessons 05-07 on any event log: split in time, tune
session-kNN on the days before the test (never on the test), fit every
model of the settings, rank the full catalogue for every next item, and
break the result down into repeat/new items and short/long sessions.

* :func:`next_item_task`: all of it (``course-lib report``, lesson 09);
* :func:`split_log` or :func:`split_given`, then :func:`leaderboard_task`:
  the leaderboard alone (``course-lib next-item``).
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from course_lib.datasets import EventLogError
from course_lib.evaluate.next_item import breakdown, fit_and_evaluate, leaderboard, tune
from course_lib.models.neighbours import SessionKNN
from course_lib.prep.next_item import (NextItemSplit, next_item_split, sequence_events,
                                      split_sessions)
from course_lib.show.plots import plot_metric_bars
from course_lib.tasks.registry import LABELS, make_models
from course_lib.tasks.results import NO_ITEMS, NextItemResult
from course_lib.tasks.settings import NextItemSettings


def tune_sknn(earlier: pd.DataFrame, settings: NextItemSettings,
              log=print) -> tuple[NextItemSettings, dict | None]:
    """Choose session-kNN's k and sample on the ``settings.valid_days`` before the test.

    ``earlier`` holds the events before the test cut only. Returns new
    settings with the choice (``settings`` itself is not changed) and the
    choice, or ``(settings, None)`` when there is nothing to tune: no
    session-kNN, no validation window, or too little data in it.
    """
    if "sknn" not in settings.models or settings.valid_days <= 0:
        return settings, None
    try:
        valid = next_item_split(earlier, settings.valid_days, event_types=None)
    except ValueError:
        return settings, None
    if not len(valid.test) or len(valid.train) < 2:
        return settings, None
    Xv, yv = valid.test_prefixes(settings.max_len)
    best, _ = tune(SessionKNN, settings.sknn_grid, valid, Xv, yv)
    log(f"session-kNN tuned on the {settings.valid_days:g} days before the test: {best}")
    return replace(settings, sknn_k=best["k"], sknn_sample=best["sample"]), best


def next_item_leaderboard(split: NextItemSplit, settings: NextItemSettings, progress: bool = True,
                          log=print) -> tuple[pd.DataFrame, list]:
    """(leaderboard, fitted models) of ``settings.models`` on one split."""
    X, y = split.test_prefixes(settings.max_len)
    rows, fitted = [], []
    for model in make_models(settings):
        log(f"fitting {model.name} ...")
        rows.append(fit_and_evaluate(model, split, X, y, progress=progress))
        fitted.append(model)
    return leaderboard(rows), fitted


def split_log(events: pd.DataFrame, settings: NextItemSettings,
              source: str = "events") -> tuple[NextItemSplit, pd.DataFrame]:
    """(split, the events before the test cut) of one log: its last ``settings.test_days`` are the test."""
    seq = sequence_events(events)
    try:
        split = next_item_split(seq, settings.test_days, event_types=None)
    except ValueError as exc:
        raise EventLogError(f"the log is too small for the protocol ({exc})", path=source) from None
    return split, seq[seq["timestamp"] < split.cut]


def split_given(train_events: pd.DataFrame, test_events: pd.DataFrame) -> tuple[NextItemSplit, pd.DataFrame]:
    """(split, the training events) of data that arrives split (``--train`` and ``--test`` files)."""
    train_events, test_events = sequence_events(train_events), sequence_events(test_events)
    return split_sessions(train_events, test_events), train_events


def leaderboard_task(split: NextItemSplit, earlier: pd.DataFrame, settings: NextItemSettings, *,
                     source: str = "events", progress: bool = True, log=print) -> NextItemResult:
    """Session-kNN tuned on the days before the test, then the leaderboard of ``settings.models``."""
    if len(split.train) < 2 or len(split.test) < 1:
        raise EventLogError(f"too little data for the protocol: {split.describe()}; try another "
                            "test window", path=source)
    log(f"{source}: {split.describe()}")
    settings, tuned = tune_sknn(earlier, settings, log=log)
    board, fitted = next_item_leaderboard(split, settings, progress=progress, log=log)
    return NextItemResult("next_item", "Next-item recommendation",
                          tables={"next_item_leaderboard": board}, split=split,
                          models={m.name: m for m in fitted}, leaderboard=board, tuned=tuned)


def next_item_task(events: pd.DataFrame, settings: NextItemSettings | None = None, *,
                   progress: bool = True, log=print) -> NextItemResult:
    """The next-item leaderboard of ``settings.models`` on ``events``, and its breakdown."""
    settings = settings or NextItemSettings()
    result = NextItemResult("next_item", "Next-item recommendation")
    if "item_id" not in events.columns:
        result.skipped = NO_ITEMS
        return result
    seq = sequence_events(events)
    kinds = sorted(seq["event_type"].astype(str).unique())
    try:
        split = next_item_split(seq, settings.test_days, event_types=None)
    except ValueError as exc:
        result.skipped = f"the log is too small for the protocol ({exc})"
        return result
    if len(split.train) < 2 or len(split.test) < 1:
        result.skipped = f"too little data for the protocol: {split.describe()}"
        return result
    result.notes.append(f"Sequences of {'/'.join(kinds)} events. {split.describe()}.")
    settings, tuned = tune_sknn(seq[seq["timestamp"] < split.cut], settings, log=log)
    if tuned:
        result.notes.append(f"Session-kNN's k and sample were chosen on the {settings.valid_days:g} "
                            f"days before the test: {tuned}.")
    board, fitted = next_item_leaderboard(split, settings, progress=progress, log=log)
    X, y = split.test_prefixes(settings.max_len)
    long_from = settings.long_from(split.test)
    parts = pd.concat([breakdown(m, split, X, y, long_from=long_from) for m in fitted],
                      ignore_index=True)
    result.tables = {"next_item_leaderboard": board, "next_item_breakdown": parts}
    pop = board.loc[board["model"] == "pop", "MRR@20"]
    ax = plot_metric_bars(board, "MRR@20", title="next-item MRR@20 (full-catalogue ranking)",
                          reference=float(pop.iloc[0]) if len(pop) else None,
                          reference_label="popularity", labels=LABELS)
    ax.figure.tight_layout()
    result.figures["next_item_mrr"] = ax.figure
    best = board.iloc[0]
    result.notes.append(f"Best: {best['model']} with MRR@20 {best['MRR@20']:.3f} "
                        f"(HR@20 {best['HR@20']:.3f}).")
    result.split, result.models, result.tuned = split, {m.name: m for m in fitted}, tuned
    result.leaderboard, result.breakdown = board, parts
    return result
