"""Spark in local mode gives the same preparation as pandas and DuckDB (issue 18).

A separately timed group: ``pytest -m spark`` (``python3 tasks.py test`` runs
it after the rest of the suite). Needs pyspark (the ``scale`` extra) and Java
17 (``tasks.py`` installs Debian's openjdk-17-jre-headless where it can).
Spark binds to 127.0.0.1 only, so the suite's network guard stays in place.
"""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from engine_logs import MAPPING, describe, random_log, shard_digests, write

from course_lib.datasets import make_shop
from course_lib.prep.engines import prepare, session_table

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark")
pytest.importorskip("duckdb")


#: The JVM of these tests' Spark: the first JIT tier only and one garbage-collector thread. These
#: jobs last seconds, and a JVM spends much of such a job compiling hot code a second time (C2)
#: and collecting garbage on several threads. Measured on the 2-core machine, Spark's session and
#: the million-event preparation: 37-40 CPU s instead of 53-60 (whole machine, /proc/stat), 26-28 s
#: wall instead of 29-33. The suite is CPU-bound, so the CPU is what counts. Users' Spark keeps the
#: JVM's defaults (long jobs gain from C2).
SHORT_JOB_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


@pytest.fixture(scope="module", autouse=True)
def java_17():
    from course_lib.prep.engines.spark_engine import java_problem, stop_spark

    problem = java_problem()
    if problem:
        pytest.skip(problem)
    with pytest.MonkeyPatch.context() as patch:   # read when this module's first preparation starts Spark
        patch.setenv("PYSPARK_SUBMIT_ARGS", f'--driver-java-options "{SHORT_JOB_JVM}" pyspark-shell')
        yield
        stop_spark()


def test_three_engines_agree_on_a_million_events(tmp_path):
    """The synthetic shop, 1M events, sessions cut by the 30-minute gap (no session column)."""
    events = make_shop(1_000_000, seed=0).events
    log = pd.DataFrame({"visitor": events["user_id"], "product": events["item_id"],
                        "ts": events["timestamp"], "action": events["event_type"].astype(str)})
    path = write(log, tmp_path / "shop_1m.parquet")
    del events, log
    out = {e: prepare(path, tmp_path / e, engine=e, test_days=14, max_len=10, **MAPPING)
           for e in ("pandas", "duckdb", "spark")}
    assert out["spark"]["counts"]["events"] > 900_000
    assert out["spark"]["counts"]["windows"] > 100_000
    assert shard_digests(out["spark"]) == shard_digests(out["pandas"]), (
        describe(out["pandas"]) + describe(out["spark"]))
    assert shard_digests(out["duckdb"]) == shard_digests(out["pandas"])


@pytest.mark.parametrize("seed,fmt,text_items,with_session,shuffle,copies", [
    (11, ".parquet", False, False, False, False),
    (12, ".csv", True, True, False, True),
    (13, ".parquet", True, False, True, True),
])
def test_spark_agrees_on_small_logs_full_of_ties(tmp_path, seed, fmt, text_items, with_session, shuffle,
                                                 copies):
    """``copies``: 30 rows logged twice, left out with drop_duplicates (the same rows as pandas)."""
    log = random_log(np.random.default_rng(seed), 400, text_items=text_items,
                     with_session=with_session, users=40, hours=12)
    if copies:
        log = pd.concat([log, log.sample(30, random_state=seed)])
    if shuffle:
        log = log.sample(frac=1, random_state=seed)
    path = write(log, tmp_path / f"log{fmt}")
    mapping = {**MAPPING, **({"session": "visit"} if with_session else {}), "drop_duplicates": copies}
    days = 2 / 24
    out = {e: prepare(path, tmp_path / e, engine=e, test_days=days, max_len=3, rows_per_shard=50,
                      allow_empty=True, **mapping) for e in ("pandas", "spark")}
    assert out["pandas"]["counts"]["test_sessions"] > 0
    if copies:
        assert out["spark"]["counts"]["events"] == out["pandas"]["counts"]["events"] <= 400
        assert any(note.startswith("dropped ") and "repeated an earlier row" in note for note in out["spark"]["notes"])
    assert shard_digests(out["spark"]) == shard_digests(out["pandas"]), (
        describe(out["pandas"]) + describe(out["spark"]))
    if seed != 13:
        tables = [session_table(path, engine=e, test_days=days, **mapping) for e in ("pandas", "spark")]
        pd.testing.assert_frame_equal(tables[0], tables[1])


def test_spark_says_in_one_sentence_that_a_line_past_the_head_is_malformed(tmp_path, capfd):
    """Spark's FAILFAST error was hundreds of lines of Java; it names no line, so the sentence
    points to the engines that do."""
    from test_engines import malformed_beyond_the_head

    from course_lib.datasets import EventLogError

    path = malformed_beyond_the_head(tmp_path)["short"]
    with pytest.raises(EventLogError, match="short.csv: Spark found a malformed line past the first "
                                            r"10,000 \(.*\): '1,2'; Spark does not give its number: "
                                            "--engine duckdb or pandas names the line"):
        prepare(path, tmp_path / "o", engine="spark")
    assert "Exception" not in capfd.readouterr().err   # the JVM's own log of it is not shown above
    # a gzip file cut off past the head: one sentence with its last whole line (it was Java's trace)
    from test_engines import cut_off_gzip

    cut, lines = cut_off_gzip(tmp_path, 0.95)
    with pytest.raises(EventLogError, match=rf"{cut.name}: the compressed file ends early, after line "
                                            rf"{lines:,} \("):
        prepare(cut, tmp_path / "cut", engine="spark")



def test_spark_names_columns_as_the_loader_does(tmp_path):
    """Spreadsheet exports (padded names, a BOM, trailing empty columns), a name with a backslash
    and two names equal but for case (Spark does not tell them apart): the same shards as pandas."""
    from test_own_data import EXPORTS

    rows = "".join(f"{i % 5},{i % 7},2024-01-01 10:{i:02d}:00,x,y\n" for i in range(40))
    texts = [*EXPORTS.values(), "user,item,time,a\\b,c\n" + rows, "user,item,time,note,Note\n" + rows]
    for i, text in enumerate(texts):
        (tmp_path / f"e{i}.csv").write_bytes(text.encode("utf-8"))
        made = {e: prepare(tmp_path / f"e{i}.csv", tmp_path / f"{e}{i}", engine=e, test_days=0.01,
                           allow_empty=True) for e in ("pandas", "spark")}
        assert shard_digests(made["spark"]) == shard_digests(made["pandas"]), (i, made)
