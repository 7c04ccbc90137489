"""The steps of :mod:`.sql` in order, for any engine that can run SQL (DuckDB, Spark).

An engine provides five operations; everything else (what to run, in which
order, how results become shards) is here, once:

* ``rows(sql)``: a small result as a list of dicts;
* ``view(name, sql)``: a named relation computed when used;
* ``table(name, sql)``: a named relation computed once and stored (on disk);
* ``batches(sql)``: a large, ordered result as a stream of Arrow record batches;
* ``register_raw(source)``: the file as relation ``raw`` (its columns plus ``__pos``).
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from course_lib.datasets.own_data import how_many
from course_lib.datasets.schema import EventLogError
from course_lib.prep.engines import sql
from course_lib.prep.engines.source import Source, check, register_events
from course_lib.prep.prepared import ShardWriter, write_vocabulary, x_columns, y_columns


def _stream_into(writer: ShardWriter, batches, max_len: int, part: str) -> None:
    xs = x_columns(max_len)
    ys = y_columns(max_len) if part == "train" else ["y"]
    for batch in batches:
        if batch.num_rows == 0:
            continue
        names = batch.schema.names
        column = {n: batch.column(i) for i, n in enumerate(names)}
        keys = column["start_pos"].to_numpy(zero_copy_only=False)
        X = np.column_stack([column[c].to_numpy(zero_copy_only=False) for c in xs])
        Y = np.column_stack([column[c].to_numpy(zero_copy_only=False) for c in ys])
        writer.add_keyed(keys, X, Y)


def prepare_with_sql(engine, src: Source, folder, *, test_days: float, max_len: int,
                     rows_per_shard: int, log=None) -> dict:
    """Run the preparation in ``engine``; write vocabulary and shards into ``folder``.

    Returns the manifest's entries (counts, cut, shards, vocabulary, seconds).
    """
    log = log or (lambda message: None)
    d = engine.dialect
    seconds = {}
    t0 = time.perf_counter()
    engine.register_raw(src)
    facts = check(engine, src, d)
    register_events(engine, src, facts)
    seconds["load_and_check"] = time.perf_counter() - t0
    log(f"{src.path}: {how_many(facts.events, 'event', 'events')}, checked "
        f"({seconds['load_and_check']:.1f} s)")

    t0 = time.perf_counter()
    engine.table("sequence", sql.sequence_sql(src.gap_ns, facts.views))
    stats = engine.rows("SELECT COUNT(*) AS n, MAX(t) AS max_t FROM sequence")[0]
    if not stats["n"]:
        raise EventLogError("no events to form sequences", path=src.path)
    cut_ns = int(stats["max_t"]) - int(pd.Timedelta(days=test_days).value)
    seconds["sessions"] = time.perf_counter() - t0
    log(f"sessions: {how_many(int(stats['n']), 'sequence event', 'sequence events')} "
        f"({seconds['sessions']:.1f} s)")

    t0 = time.perf_counter()
    engine.table("vocabulary", sql.vocabulary_sql(cut_ns))
    items = engine.rows("SELECT item_id FROM vocabulary ORDER BY code")
    vocabulary = write_vocabulary(folder, [r["item_id"] for r in items])
    engine.view("coded", sql.coded_sql(cut_ns))
    counts = {k: int(v or 0) for k, v in engine.rows(sql.counts_sql())[0].items()}
    seconds["split_and_vocabulary"] = time.perf_counter() - t0
    log(f"split at {pd.Timestamp(cut_ns)}: "
        f"{how_many(counts['train_events'], 'training event', 'training events')} and "
        f"{how_many(counts['test_events'], 'test event', 'test events')}, "
        f"{how_many(len(items), 'item', 'items')} "
        f"({seconds['split_and_vocabulary']:.1f} s)")

    shards = {}
    for part, query in (("train", sql.windows_sql(max_len)), ("test", sql.prefixes_sql(max_len))):
        t0 = time.perf_counter()
        writer = ShardWriter(folder, part, max_len, rows_per_shard)
        _stream_into(writer, engine.batches(query), max_len, part)
        shards[part] = writer.close()
        counts[f"{part}_sessions"] = writer.sessions
        counts["windows" if part == "train" else "prefixes"] = writer.rows
        seconds["windows" if part == "train" else "prefixes"] = time.perf_counter() - t0
        log(f"{part}: {how_many(writer.rows, 'row', 'rows')} from "
            f"{how_many(writer.sessions, 'session', 'sessions')} in "
            f"{how_many(len(shards[part]), 'shard', 'shards')} ({time.perf_counter() - t0:.1f} s)")
    counts = {"events": facts.events, "sequence_events": int(stats["n"]),
              **counts, "items": len(items)}
    return {"cut": pd.Timestamp(cut_ns).isoformat(), "counts": counts, "vocabulary": vocabulary,
            "shards": shards, "seconds": {k: round(v, 2) for k, v in seconds.items()},
            "notes": src.notes, "columns": src.columns,
            "sequence_events": "views" if facts.views else "all events"}


def session_table(engine, src: Source, test_days: float) -> pd.DataFrame:
    """Every sequence event in time order with its session and part (for the engines' checks)."""
    d = engine.dialect
    engine.register_raw(src)
    facts = check(engine, src, d)
    register_events(engine, src, facts)
    engine.table("sequence", sql.sequence_sql(src.gap_ns, facts.views))
    max_t = engine.rows("SELECT MAX(t) AS max_t FROM sequence")[0]["max_t"]
    cut_ns = int(max_t) - int(pd.Timedelta(days=test_days).value)
    frames = [b.to_pandas() for b in engine.batches(sql.session_table_sql(cut_ns))]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return table
