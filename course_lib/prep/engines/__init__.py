"""One preparation, three engines: pandas, DuckDB, Spark (issue 18, lesson 10).

``prepare(events, out, engine=...)`` turns an event log into a prepared folder
(:mod:`course_lib.prep.prepared`): training windows and test prefixes as
Parquet shards, the item vocabulary and a manifest. The engines give the same
sessions, split, vocabulary, windows and prefixes, row for row (the shards'
checksums agree); they differ in where the work happens:

========  ===========================================  ==============================
engine    how                                          when
========  ===========================================  ==============================
pandas    the lessons' own functions, in memory        up to ~20M events (2.3 GB/10M)
duckdb    the SQL of :mod:`.sql`, out of core          one machine, beyond its memory
spark     the same SQL on Spark (here: local mode)     a cluster
========  ===========================================  ==============================

DuckDB and Spark come with ``pip install 'course-lib[scale]'``; Spark also
needs Java 17. Measured times and memory: ``benchmarks/engines.md``.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from course_lib.datasets.own_data import how_many
from course_lib.datasets.schema import EventLogError
from course_lib.files import new_folder
from course_lib.prep import prepared
from course_lib.prep.engines.duckdb_engine import DuckDBEngine
from course_lib.prep.engines.names import (ENGINES, LOADER_OPTIONS, BadEngineOption,
                                           EngineUnavailable, UnknownEngine, check_engine)
from course_lib.prep.engines.names import memory_limit as memory_limit_for
from course_lib.prep.engines.pandas_engine import prepare_pandas, session_table_pandas
from course_lib.prep.engines.source import inspect_source
from course_lib.prep.engines.spark_engine import SparkEngine
from course_lib.prep.engines.sql_pipeline import prepare_with_sql
from course_lib.prep.engines.sql_pipeline import session_table as sql_table

__all__ = ["ENGINES", "BadEngineOption", "EngineUnavailable", "UnknownEngine", "check_engine",
           "enough_to_train_and_test", "prepare", "session_table"]


def _sql_engine(engine: str, scratch: Path, memory_limit, threads):
    if engine == "duckdb":
        try:
            import duckdb  # noqa: F401
        except ImportError:
            raise EngineUnavailable("the DuckDB engine needs duckdb: pip install "
                                    "'course-lib[scale]' (or pip install duckdb)") from None
        return DuckDBEngine(scratch, memory_limit, threads)
    return SparkEngine(scratch, memory_limit, threads)


def _scratch_folder(scratch, near: Path) -> Path:
    base = Path(scratch) if scratch else near
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".prepare-scratch-", dir=base))


def prepare(events, out, *, engine: str = "pandas", test_days: float = 7, max_len: int = 10,
            session_gap: str = "30min", rows_per_shard: int | None = None,
            memory_limit: str | None = None, threads: int | None = None, scratch=None,
            log=None, allow_empty: bool = False, **loader_options) -> dict:
    """Prepare ``events`` for next-item training into the new folder ``out``; return the manifest.

    ``loader_options`` are :func:`~course_lib.datasets.load_events`'s (``user=``,
    ``item=``, ``time=``, ``time_unit=``...). ``memory_limit`` and ``threads``
    bound DuckDB (its buffer pool) and Spark (its driver); ``scratch`` is where
    their intermediate data goes (default: beside ``out``; removed afterwards).
    ``out`` is written completely or not at all; a log that gives no training window or no
    test prefix is an error, unless ``allow_empty`` (the engines' agreement tests).
    """
    check_engine(engine)
    memory_limit = memory_limit_for(memory_limit, engine)
    unknown = sorted(set(loader_options) - set(LOADER_OPTIONS))
    if unknown:
        raise TypeError(f"prepare() got unknown option(s) {unknown}")
    if max_len < 1 or test_days <= 0:
        raise ValueError("max_len must be at least 1 and test_days positive")
    rows_per_shard = rows_per_shard or prepared.ROWS_PER_SHARD
    out = Path(out)
    started = time.perf_counter()
    settings = {"test_days": test_days, "max_len": max_len, "session_gap": session_gap,
                "rows_per_shard": rows_per_shard}
    with new_folder(out) as folder:
        if engine == "pandas":
            body = prepare_pandas(events, folder, test_days=test_days, max_len=max_len,
                                  rows_per_shard=rows_per_shard,
                                  loader_options={**loader_options, "session_gap": session_gap},
                                  log=log)
            import pandas

            version = pandas.__version__
            engine_settings = {}
        else:
            work = _scratch_folder(scratch, out.parent)
            try:
                if loader_options.get("clean_sales"):
                    raise EventLogError("--clean-sales needs the price and quantity columns, which "
                                        f"the {engine} engine does not read: clean the file first, "
                                        "or use --engine pandas", path=events)
                mapped = [k for k in ("price", "category", "quantity") if loader_options.get(k)]
                if loader_options.get("drop_duplicates") and mapped:
                    raise EventLogError(
                        "--drop-duplicates compares every column the loader reads, "
                        f"{', '.join('--' + k for k in mapped)} too, which the {engine} engine does "
                        "not read: leave out " + ("that option" if len(mapped) == 1 else "those options")
                        + ", or use --engine pandas", path=events)
                options = {k: v for k, v in loader_options.items()
                           if k not in ("price", "category", "quantity", "clean_sales")}
                src = inspect_source(events, work, session_gap=session_gap, **options)
                runner = _sql_engine(engine, work, memory_limit, threads)
                try:
                    body = prepare_with_sql(runner, src, folder, test_days=test_days,
                                            max_len=max_len, rows_per_shard=rows_per_shard, log=log)
                finally:
                    runner.close()
                version = runner.version
            finally:
                shutil.rmtree(work, ignore_errors=True)
            engine_settings = {"memory_limit": memory_limit, "threads": threads}
        if not allow_empty:
            enough_to_train_and_test(body, events, test_days)
        source = Path(events)
        manifest = {"engine": engine, "engine_version": version,
                    "source": {"path": str(source), "bytes": source.stat().st_size,
                               "columns": body.pop("columns")},
                    "settings": {**settings, **engine_settings},
                    **body, "total_seconds": round(time.perf_counter() - started, 2)}
        prepared.write_manifest(folder, manifest)
    return prepared.PreparedData(out, verify=False).manifest


def enough_to_train_and_test(body: dict, path, test_days: float | None = None) -> None:
    """One sentence where the cut leaves no training window or no test prefix: such a folder
    could not be trained or tested on (``next-item`` says the same of an event log), with the
    cause the counts show. ``test_days``: the window asked for (default: the manifest's)."""
    c = body["counts"]
    if c["windows"] and c["prefixes"]:
        return
    days = test_days if test_days is not None else body.get("settings", {}).get("test_days")
    window = f"--test-days {days:g}" if days is not None else "the test window"
    if not c.get("train_events", 1):
        why = (f"no event comes before the cut: the log spans no more than {window}, so no day "
               "is left to train on")
    elif not c["train_sessions"]:
        why = ("no session before the cut has two events, and a next item needs two (check "
               "--session, or a longer --session-gap)")
    elif not c.get("test_events", 1):
        why = f"no event falls in the last {window}"
    elif not c["prefixes"] and c.get("dropped_unknown") == c.get("test_events"):
        why = "every test event is an item unseen in training, so none can be predicted"
    else:
        why = "try another --test-days (test_days=)"
    raise EventLogError(
        f"too little data for next-item training and testing: cut at {body['cut']}, "
        f"{how_many(c['windows'], 'training window', 'training windows')} from "
        f"{how_many(c['train_sessions'], 'session', 'sessions')} and "
        f"{how_many(c['prefixes'], 'test prefix', 'test prefixes')} from "
        f"{how_many(c['test_sessions'], 'session', 'sessions')} (a session counts from two "
        f"events): {why}", path=path)


def session_table(events, *, engine: str = "pandas", test_days: float = 7,
                  session_gap: str = "30min", scratch=None, **loader_options):
    """Every sequence event in time order: its time, item, session (numbered by first
    appearance) and part (0 training, 1 test, -1 the tail of a session that began
    before the cut). For comparing engines on small data; it holds the whole table."""
    import pandas as pd

    check_engine(engine)
    if engine == "pandas":
        return session_table_pandas(events, test_days, {**loader_options, "session_gap": session_gap})
    work = _scratch_folder(scratch, Path(tempfile.gettempdir()))
    try:
        src = inspect_source(events, work, session_gap=session_gap, **loader_options)
        runner = _sql_engine(engine, work, None, None)
        try:
            table = sql_table(runner, src, test_days)
        finally:
            runner.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return pd.DataFrame({"t": table["t"].to_numpy().astype("int64"),
                         "item_id": table["item_id"].to_numpy(),
                         "session": pd.factorize(table["start_pos"])[0],
                         "part": table["part"].to_numpy().astype("int64")})
