"""pandas: the course's own preparation (lessons 00 and 05), the default engine.

Exactly the functions the lessons use: :func:`~course_lib.datasets.load_events`
(every row checked), :func:`~course_lib.prep.next_item.sequence_events`,
:func:`~course_lib.prep.split.cut_before_last_days`, :func:`~course_lib.prep.split.time_split`,
:func:`~course_lib.prep.next_item.split_sessions`,
:func:`~course_lib.prep.next_item.training_windows` and ``test_prefixes``.
Everything is in memory: about 2.3 GB for 10 million events
(benchmarks/prep_scaling.md).
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from course_lib.datasets.own_data import how_many, load_events
from course_lib.datasets.schema import EventLogError
from course_lib.prep.next_item import (sequence_events, split_sessions, training_windows)
from course_lib.prep.prepared import ShardWriter, write_vocabulary
from course_lib.prep.split import cut_before_last_days, time_split


def _sequence_split(path, test_days: float, loader_options: dict):
    events = load_events(path, **loader_options)
    views = sequence_events(events)
    if views.empty:
        raise EventLogError("no events to form sequences", path=path)
    cut = cut_before_last_days(views, test_days)
    return events, views, cut


def prepare_pandas(path, folder, *, test_days: float, max_len: int, rows_per_shard: int,
                   loader_options: dict, log=None) -> dict:
    """The preparation with pandas; writes vocabulary and shards into ``folder``."""
    log = log or (lambda message: None)
    seconds = {}
    t0 = time.perf_counter()
    events, views, cut = _sequence_split(path, test_days, loader_options)
    seconds["load_and_check"] = time.perf_counter() - t0
    log(f"{path}: {how_many(len(events), 'event', 'events')}, checked ({seconds['load_and_check']:.1f} s)")

    t0 = time.perf_counter()
    train, test = time_split(views, cut)
    split = split_sessions(train, test, cut)
    vocabulary = write_vocabulary(folder, split.vocab.items)
    seconds["split_and_vocabulary"] = time.perf_counter() - t0
    log(f"split at {cut}: {how_many(len(train), 'training event', 'training events')} and "
        f"{how_many(len(test), 'test event', 'test events')}, {how_many(split.n_items, 'item', 'items')} "
        f"({seconds['split_and_vocabulary']:.1f} s)")

    shards = {}
    t0 = time.perf_counter()
    X, Y, _ = training_windows(split.train, max_len)
    lengths = split.train.map(len).to_numpy(dtype=np.int64)
    chunks = np.where(lengths >= 2, -(-(lengths - 1) // max_len), 0)
    writer = ShardWriter(folder, "train", max_len, rows_per_shard)
    writer.add(np.repeat(np.arange(len(lengths)), chunks), X, Y)
    shards["train"] = writer.close()
    train_rows = writer.rows
    seconds["windows"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    Xt, yt = split.test_prefixes(max_len)
    lengths = split.test.map(len).to_numpy(dtype=np.int64)
    writer = ShardWriter(folder, "test", max_len, rows_per_shard)
    writer.add(np.repeat(np.arange(len(lengths)), np.maximum(lengths - 1, 0)), Xt, yt)
    shards["test"] = writer.close()
    seconds["prefixes"] = time.perf_counter() - t0
    log(f"train: {how_many(train_rows, 'window', 'windows')} from "
        f"{how_many(len(split.train), 'session', 'sessions')}; test: "
        f"{how_many(writer.rows, 'prefix', 'prefixes')} from {how_many(len(split.test), 'session', 'sessions')}")
    counts = {"events": len(events), "sequence_events": len(views), "train_events": len(train),
              "test_events": len(test), "dropped_unknown": int(split.dropped_unknown),
              "train_sessions": len(split.train), "windows": train_rows,
              "test_sessions": len(split.test), "prefixes": writer.rows, "items": split.n_items}
    has_views = bool((events["event_type"] == "view").any())
    return {"cut": pd.Timestamp(cut).isoformat(), "counts": counts, "vocabulary": vocabulary,
            "shards": shards, "seconds": {k: round(v, 2) for k, v in seconds.items()},
            "notes": list(events.attrs.get("notes", [])),
            "columns": {k: v for k, v in events.attrs.get("columns", {}).items()
                        if k in ("user_id", "session_id", "item_id", "timestamp", "event_type")},
            "sequence_events": "views" if has_views else "all events"}


def session_table_pandas(path, test_days: float, loader_options: dict) -> pd.DataFrame:
    """Every sequence event in time order with its session and part (for the engines' checks)."""
    events, views, cut = _sequence_split(path, test_days, loader_options)
    views = views.reset_index(drop=True).assign(row=lambda v: np.arange(len(v)))
    train, test = time_split(views, cut)
    part = np.full(len(views), -1)
    part[train["row"].to_numpy()] = 0
    part[test["row"].to_numpy()] = 1
    return pd.DataFrame({"t": views["timestamp"].to_numpy().astype("int64"),
                         "item_id": views["item_id"].to_numpy(),
                         "session": pd.factorize(views["session_id"])[0], "part": part.astype("int64")})
