"""One preparation, several engines (issue 18): pandas and DuckDB agree row for row.

Spark runs the same SQL as DuckDB; its own tests are in test_engines_spark.py
(a separately timed group, ``-m spark``).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine_logs import MAPPING, describe, random_log, shard_digests, write

from course_lib.datasets import EventLogError, load_events, make_shop
from course_lib.datasets.synthetic import shop_event_chunks
from course_lib.prep.engines import UnknownEngine, prepare, session_table
from course_lib.prep.next_item import next_item_split, sequence_events, training_windows
from course_lib.prep.prepared import NotPreparedError, PreparedData
from cli_runner import course_lib_command

duckdb = pytest.importorskip("duckdb")


def run_cli(*args, cwd=None, env=None):
    return course_lib_command(*args, cwd=cwd, env=env)


def both(path: Path, folder: Path, rows_per_shard: int = 7, **options):
    """The manifests of pandas and DuckDB on one file (or the errors both raised)."""
    out = {}
    for engine in ("pandas", "duckdb"):
        try:
            out[engine] = prepare(path, folder / engine, engine=engine, allow_empty=True,
                                  rows_per_shard=rows_per_shard, **options)
        except EventLogError as exc:
            out[engine] = f"error: {type(exc).__name__}"
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 80), fmt=st.sampled_from([".parquet", ".csv"]),
       text_items=st.booleans(), with_session=st.booleans(),
       test_hours=st.sampled_from([0.5, 1, 2]), max_len=st.integers(1, 4),
       users=st.integers(1, 12), hours=st.integers(1, 12))
def test_pandas_and_duckdb_agree_on_small_logs_full_of_ties(seed, n, fmt, text_items, with_session,
                                                            test_hours, max_len, users, hours):
    log = random_log(np.random.default_rng(seed), n, text_items=text_items,
                     with_session=with_session, users=users, hours=hours)
    mapping = {**MAPPING, **({"session": "visit"} if with_session else {})}
    with tempfile.TemporaryDirectory() as tmp:
        path = write(log, Path(tmp) / f"log{fmt}")
        days = test_hours / 24
        out = both(path, Path(tmp), test_days=days, max_len=max_len, **mapping)
        if isinstance(out["pandas"], str) or isinstance(out["duckdb"], str):
            assert out["pandas"] == out["duckdb"], out
            return
        assert shard_digests(out["duckdb"]) == shard_digests(out["pandas"]), (
            describe(out["pandas"]) + describe(out["duckdb"]))
        tables = [session_table(path, engine=e, test_days=days, **mapping) for e in ("pandas", "duckdb")]
        pd.testing.assert_frame_equal(tables[0], tables[1])


@pytest.fixture(scope="module")
def shop_files(tmp_path_factory):
    """The synthetic shop (20k events) with a user's column names, as Parquet and as CSV."""
    folder = tmp_path_factory.mktemp("shop")
    events = make_shop(20_000, seed=0).events
    log = pd.DataFrame({"visitor": events["user_id"], "visit": events["session_id"],
                        "product": events["item_id"], "ts": events["timestamp"],
                        "action": events["event_type"].astype(str), "price": events["price"]})
    return {"parquet": write(log.sample(frac=1, random_state=0), folder / "shop.parquet"),
            "csv": write(log, folder / "shop.csv"), "events": events}


@pytest.mark.parametrize("fmt,session", [("parquet", None), ("csv", "visit"), ("csv", None)])
def test_pandas_and_duckdb_agree_on_the_synthetic_shop(shop_files, tmp_path, fmt, session):
    """Gap sessions (no session column) and the log's own sessions; shuffled Parquet, sorted CSV."""
    out = both(shop_files[fmt], tmp_path, rows_per_shard=25, test_days=14, max_len=10,
               session=session, **MAPPING)
    assert shard_digests(out["duckdb"]) == shard_digests(out["pandas"])
    c = out["pandas"]["counts"]
    assert c["train_sessions"] > 1000 and c["test_sessions"] > 100 and c["items"] > 200
    assert len(out["pandas"]["shards"]["train"]) > 50  # many shards of 25 rows each
    tables = [session_table(shop_files[fmt], engine=e, test_days=14, session=session, **MAPPING)
              for e in ("pandas", "duckdb")]
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert set(tables[0]["part"]) >= {0, 1}


DATA = Path(os.environ.get("COURSE_DATA_DIR", "../shared/data"))


@pytest.mark.skipif(not (DATA / "online_retail.csv.gz").exists(), reason="no shared data")
def test_pandas_and_duckdb_agree_on_online_retail(tmp_path):
    """Real data: text and float-looking ids, empty customer ids dropped, invoices as sessions."""
    options = dict(user="CustomerID", session="InvoiceNo", item="StockCode", time="InvoiceDate",
                   drop_missing_ids=True, default_event="purchase", test_days=28)
    out = both(DATA / "online_retail.csv.gz", tmp_path, rows_per_shard=20_000, max_len=10, **options)
    assert shard_digests(out["duckdb"]) == shard_digests(out["pandas"])
    assert out["duckdb"]["counts"]["events"] == 406_829
    assert out["duckdb"]["notes"][0] == "dropped 135,080 rows with an empty id"
    assert list(PreparedData(tmp_path / "duckdb").vocabulary().items[:3]) == \
        list(PreparedData(tmp_path / "pandas").vocabulary().items[:3])


def test_a_prepared_folder_reads_back_as_the_lessons_split(shop_files, tmp_path):
    """Shards hold exactly training_windows and test_prefixes of next_item_split."""
    prepare(shop_files["parquet"], tmp_path / "p", engine="duckdb", test_days=14, max_len=6,
            rows_per_shard=500, session="visit", **MAPPING)
    data = PreparedData(tmp_path / "p")
    split = next_item_split(sequence_events(shop_files["events"]), 14, event_types=None)
    assert data.cut == split.cut and data.n_items == split.n_items
    assert list(data.vocabulary().items) == list(split.vocab.items)
    rebuilt = data.train_sessions()
    assert len(rebuilt) == len(split.train)
    assert all(np.array_equal(a, b) for a, b in zip(rebuilt, split.train))
    X, Y, _ = training_windows(split.train, 6)
    parts = list(data.iter_shards("train"))
    assert np.array_equal(np.concatenate([p[1] for p in parts]), X)
    assert np.array_equal(np.concatenate([p[2] for p in parts]), Y)
    Xt, yt = data.test_prefixes()
    Xs, ys = split.test_prefixes(6)
    assert np.array_equal(Xt, Xs) and np.array_equal(yt, ys)
    assert max(data.shard_rows("train")) == 500


def test_window_batches_have_one_shape_and_cover_every_window_once_per_epoch(shop_files, tmp_path):
    from course_lib.models.streaming import WindowBatches

    prepare(shop_files["parquet"], tmp_path / "p", test_days=14, max_len=5, rows_per_shard=700,
            session="visit", **MAPPING)
    data = PreparedData(tmp_path / "p")
    batches = WindowBatches(data, 128, seed=1)
    total = data.counts["windows"]
    seen = []
    for epoch in range(2):
        rows = []
        for i in range(len(batches)):
            X, Y, W = batches[i]
            assert X.shape == Y.shape == W.shape == (128, 5)
            rows.append(np.column_stack([X, Y])[W.sum(axis=1) > 0])
        batches.on_epoch_end()
        rows = np.concatenate(rows)
        assert len(rows) == total
        seen.append(rows)
    everything = np.concatenate([np.column_stack([X, Y]) for _, X, Y in data.iter_shards("train")])
    key = lambda a: np.lexsort(a.T[::-1])  # noqa: E731
    assert np.array_equal(seen[0][key(seen[0])], everything[key(everything)])
    assert not np.array_equal(seen[0], seen[1])  # a new order each epoch
    again = WindowBatches(data, 128, seed=1)
    assert np.array_equal(again[0][0], WindowBatches(data, 128, seed=1)[0][0])
    # several hosts: each process reads its own shards, all take the same number of steps
    shares = [WindowBatches(data, 128, seed=1, process_index=i, process_count=2) for i in (0, 1)]
    assert len(shares[0]) == len(shares[1]) >= len(batches) / 2
    weights = sum(float(b[i][2].sum()) for b in shares for i in range(len(b)))
    assert weights == float((everything[:, 5:] > 0).sum())


def test_prepare_and_next_item_from_the_prepared_folder(shop_files, tmp_path):
    """The command line end to end; the baselines score exactly as on the event log itself."""
    common = ["--user", "visitor", "--session", "visit", "--item", "product", "--time", "ts",
              "--event", "action", "--test-days", "14"]
    result = run_cli("prepare", shop_files["csv"], "--engine", "duckdb", "--max-len", "6",
                     "--out", tmp_path / "prep", *common, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "training sessions" in result.stdout and "written:" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prep"]  # no scratch left behind
    result = run_cli("next-item", "--prepared", tmp_path / "prep", "--models", "pop,markov,gru4rec",
                     "--epochs", "1", "--quiet", "--out", tmp_path / "res")
    assert result.returncode == 0, result.stderr
    streamed = pd.read_csv(tmp_path / "res" / "leaderboard.csv").set_index("model")
    result = run_cli("next-item", shop_files["csv"], *common, "--max-len", "6", "--models",
                     "pop,markov", "--quiet", "--out", tmp_path / "direct")
    assert result.returncode == 0, result.stderr
    direct = pd.read_csv(tmp_path / "direct" / "leaderboard.csv").set_index("model")
    cols = ["HR@10", "HR@20", "MRR@20", "NDCG@10"]
    # with the same intervals: the same test sessions resampled the same way
    cols += [f"{m}_{end}" for m in cols for end in ("lower", "upper")]
    pd.testing.assert_frame_equal(streamed.loc[["pop", "markov"], cols], direct.loc[["pop", "markov"], cols])
    assert streamed.loc["gru4rec", "MRR@20"] > streamed.loc["pop", "MRR@20"]


# --------------------------------------------------------------------------- #
# clear errors, nothing written

def test_unknown_engine_is_one_clear_error(shop_files, tmp_path):
    with pytest.raises(UnknownEngine, match="choose from pandas, duckdb, spark"):
        prepare(shop_files["parquet"], tmp_path / "x", engine="polars")
    result = run_cli("prepare", shop_files["parquet"], "--engine", "polars", "--out", tmp_path / "x")
    assert result.returncode == 2
    assert "argument --engine: invalid choice: 'polars'" in result.stderr and "'duckdb'" in result.stderr
    assert not (tmp_path / "x").exists()


def test_missing_java_is_one_sentence_with_the_fix(shop_files, tmp_path):
    pytest.importorskip("pyspark")
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java"), "PATH": str(tmp_path)}
    result = run_cli("prepare", shop_files["parquet"], "--engine", "spark", "--out", tmp_path / "x",
                     *["--user", "visitor", "--item", "product", "--time", "ts"], env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "course-lib: error: Spark needs Java 17 or newer and none was found: install it "
        "(Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or point JAVA_HOME at one.")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_missing_pyspark_is_one_sentence_with_the_fix(shop_files, tmp_path):
    code = ("import sys; sys.modules['pyspark'] = None\n"
            "from course_lib.cli import main\n"
            f"sys.exit(main(['prepare', {str(shop_files['parquet'])!r}, '--engine', 'spark', "
            f"'--out', {str(tmp_path / 'x')!r}, '--user', 'visitor', '--item', 'product', "
            "'--time', 'ts']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == ("course-lib: error: the Spark engine needs pyspark: pip install "
                                     "'course-lib[scale]' (or pip install pyspark)")


def test_a_folder_that_is_not_prepared_is_refused(shop_files, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("next-item", "--prepared", tmp_path / "empty", "--out", tmp_path / "res")
    assert result.returncode == 2
    assert "not a prepared folder (no manifest.json); make one with course-lib prepare" in result.stderr
    prepare(shop_files["parquet"], tmp_path / "p", test_days=14, session="visit", **MAPPING)
    shard = tmp_path / "p" / "test-00000.parquet"
    shard.write_bytes(shard.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(NotPreparedError, match="test-00000.parquet has changed since it was prepared"):
        PreparedData(tmp_path / "p")
    assert not (tmp_path / "res").exists()
    # a --test-days the folder was not cut with was ignored in silence
    prepare(shop_files["parquet"], tmp_path / "p2", test_days=14, session="visit", **MAPPING)
    result = run_cli("next-item", "--prepared", tmp_path / "p2", "--test-days", "3", "--out", tmp_path / "res")
    assert result.returncode == 2 and result.stderr.strip().endswith(
        "--test-days 3: the folder was cut with its own test window (14 days); prepare it again with "
        "--test-days 3 to change it"), result.stderr
    assert not (tmp_path / "res").exists()


def test_duckdb_checks_every_row_not_only_the_head(tmp_path):
    """The loader reads the first 10,000 rows; SQL finds a bad time or an empty id after them."""
    n = 10_050
    log = pd.DataFrame({"user": np.arange(n) % 50, "item": np.arange(n) % 7,
                        "time": pd.date_range("2024-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M:%S")})
    bad = log.copy()
    bad.loc[10_030, "time"] = "tomorrow"
    bad.to_csv(tmp_path / "bad_time.csv", index=False)
    with pytest.raises(EventLogError) as err:
        prepare(tmp_path / "bad_time.csv", tmp_path / "o1", engine="duckdb")
    assert str(err.value).startswith(f"{tmp_path / 'bad_time.csv'}, column 'time', line 10032: cannot "
                                     "parse 'tomorrow' as an ISO 8601 time")
    empty = log.astype({"item": object})
    empty.loc[10_040, "item"] = None
    empty.to_parquet(tmp_path / "empty_id.parquet", index=False)
    for engine in ("pandas", "duckdb"):
        with pytest.raises(EventLogError) as err:
            prepare(tmp_path / "empty_id.parquet", tmp_path / "o2", engine=engine)
        assert str(err.value).startswith(f"{tmp_path / 'empty_id.parquet'}, column 'item', row 10041: "
                                         "empty id (1 row "), (engine, str(err.value))
    dropped = {e: prepare(tmp_path / "empty_id.parquet", tmp_path / f"d-{e}", engine=e, allow_empty=True,
                          drop_missing_ids=True, test_days=1) for e in ("pandas", "duckdb")}
    assert shard_digests(dropped["pandas"]) == shard_digests(dropped["duckdb"])
    assert "dropped 1 row with an empty id" in dropped["duckdb"]["notes"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bad_time.csv", "d-duckdb", "d-pandas", "empty_id.parquet"]


@pytest.mark.parametrize("first", ["text", "numbers"])
def test_duckdb_says_a_time_column_mixes_numbers_and_text_beyond_the_head(tmp_path, first):
    """The loader's sentence for a switch between numbers and text; DuckDB said "cannot parse
    '1704672000' as an ISO 8601 time" (or took the text for an unparsable number)."""
    n = 10_050
    times = pd.date_range("2024-01-01", periods=n, freq="min")
    text, numbers = times.strftime("%Y-%m-%d %H:%M:%S"), ((times - pd.Timestamp("1970-01-01")) // pd.Timedelta("1s")).astype(str)
    before, after = (text, numbers) if first == "text" else (numbers, text)
    log = pd.DataFrame({"user": np.arange(n) % 50, "item": np.arange(n) % 7,
                        "time": np.where(np.arange(n) < 10_030, before, after)})
    log.to_csv(tmp_path / "kinds.csv", index=False)
    said = "is a number, unlike the times before it, which are text" if first == "text" else \
        "is text, unlike the times before it, which are numbers"
    with pytest.raises(EventLogError, match=rf"line 10032: '{log['time'][10_030]}' {said}: a time column"):
        prepare(tmp_path / "kinds.csv", tmp_path / "out", engine="duckdb")


@pytest.mark.parametrize("first, later, said", [("", "+02:00", "has a UTC offset"),
                                                ("Z", "", "has no UTC offset")])
def test_duckdb_refuses_times_with_and_without_offset_beyond_the_head(tmp_path, first, later, said):
    """The loader refuses a file whose times have a UTC offset in some rows and none in others;
    DuckDB would read both kinds, so the SQL checks find the first time unlike the file's first,
    past the head too, and raise the loader's own error."""
    n = 10_050
    times = pd.date_range("2024-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M:%S") + first
    log = pd.DataFrame({"user": np.arange(n) % 50, "item": np.arange(n) % 7, "time": times})
    log.loc[10_040, "time"] = log.loc[10_040, "time"].removesuffix(first) + later
    log.to_csv(tmp_path / "mixed.csv", index=False)
    for engine in ("pandas", "duckdb"):
        with pytest.raises(EventLogError) as err:
            prepare(tmp_path / "mixed.csv", tmp_path / engine, engine=engine)
        assert str(err.value).startswith(f"{tmp_path / 'mixed.csv'}, column 'time', line 10042: "
                                         f"'2024-01-07 23:20:00{later}' {said}, unlike the times "
                                         "before it"), (engine, str(err.value))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("order", ["%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "only the head"])
def test_duckdb_chooses_day_or_month_first_on_every_row_not_the_head(tmp_path, order, suffix):
    """A log that starts on the 1st of a month has only days up to 12 in its first 10,000 rows:
    the head reads both ways. DuckDB then chooses the order on every row, as the loader chooses
    on its whole column (same times, same note), and where every row fits both, gives the
    loader's error, which is then true of the column. Text times in a Parquet file too (DuckDB
    refused them as ambiguous on the head alone, or read day-first ones as ISO 8601)."""
    n = 20_000 if order != "only the head" else 10_000
    times = pd.date_range("2024-01-01", periods=n, freq="min")
    log = pd.DataFrame({"user": np.arange(n) % 50, "item": np.arange(n) % 7,
                        "time": times.strftime(order if "%" in order else "%d/%m/%Y %H:%M")})
    path = tmp_path / f"dates{suffix}"
    log.to_csv(path, index=False) if suffix == ".csv" else log.to_parquet(path, index=False)
    made = both(path, tmp_path, rows_per_shard=5_000, test_days=1)
    if order == "only the head":
        assert made == {"pandas": "error: AmbiguousDates", "duckdb": "error: AmbiguousDates"}
        where = "line 1442" if suffix == ".csv" else "row 1441"
        with pytest.raises(EventLogError, match=f"{where}: '02/01/2024 00:00' reads as 2 January "
                                                "2024 .* every time in the column fits both"):
            prepare(path, tmp_path / "again", engine="duckdb")
        return
    assert shard_digests(made["duckdb"]) == shard_digests(made["pandas"])
    assert made["duckdb"]["cut"] == made["pandas"]["cut"] == f"{times[-1] - pd.Timedelta(days=1)}".replace(" ", "T")
    said = [n for n in made["duckdb"]["notes"] if "day first" in n]
    assert said == [n for n in made["pandas"]["notes"] if "day first" in n] == (
        ["time: dates read day first, as '%d/%m/%Y %H:%M' (some days are above 12, so they cannot "
         "be month first); pass --time-format (time_format=) to choose"] if order.startswith("%d") else [])


@pytest.mark.parametrize("order", ["%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S"])
def test_duckdb_decides_the_order_past_a_head_that_reads_the_same_both_ways(tmp_path, order):
    """A log whose first 10,000 rows all fall on 1 January: every time in the head reads the same
    day first and month first, so the head decides nothing. The loader used to fix one order
    anyway (month first here), and DuckDB then failed on the first day above 12 of a day-first
    file; it now chooses on every row, as the loader does on its whole column."""
    first = pd.date_range("2024-01-01", periods=10_000, freq="s")        # 2.8 hours of 1 January
    later = pd.date_range("2024-01-02", periods=10_000, freq="5min")     # then 35 days
    times = first.append(later)
    log = pd.DataFrame({"user": np.arange(len(times)) % 50, "item": np.arange(len(times)) % 7,
                        "time": times.strftime(order)})
    path = tmp_path / "dates.csv"
    log.to_csv(path, index=False)
    made = both(path, tmp_path, rows_per_shard=5_000, test_days=1)
    assert not any(isinstance(m, str) for m in made.values()), made   # "error: ..."
    assert shard_digests(made["duckdb"]) == shard_digests(made["pandas"])
    assert [n for n in made["duckdb"]["notes"] if "day first" in n] == [
        n for n in made["pandas"]["notes"] if "day first" in n]
    assert any("day first" in n for n in made["duckdb"]["notes"]) == order.startswith("%d")


def test_duckdb_counts_and_drops_rows_logged_twice_beyond_the_head(tmp_path):
    """The loader counts rows that repeat an earlier row in every column it reads; DuckDB reads the
    whole file, so it counts them in SQL, also where they lie past the head the loader saw, on the
    values read (a time written another way is the same time), and with --drop-duplicates leaves
    out the same rows as the loader."""
    n = 10_050
    log = pd.DataFrame({"user": np.arange(n) % 50, "item": np.arange(n) % 7,
                        "time": pd.date_range("2024-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M:%S")})
    again = log.iloc[[10_020, 10_030, 10_030]].copy()
    again.iloc[2, 2] = again.iloc[2, 2][:16]   # "2024-01-07 23:30": the same minute, without seconds
    pd.concat([log, again]).to_csv(tmp_path / "twice.csv", index=False)
    made = both(tmp_path / "twice.csv", tmp_path, rows_per_shard=5_000, test_days=1)
    assert "3 rows repeat an earlier row in every column read" in " ".join(made["pandas"]["notes"])
    assert any(note.startswith("3 rows repeat an earlier row in every column this engine reads (user, item, time)")
               for note in made["duckdb"]["notes"]), made["duckdb"]["notes"]
    dropped = both(tmp_path / "twice.csv", tmp_path / "dropped", rows_per_shard=5_000, test_days=1,
                   drop_duplicates=True)
    assert shard_digests(dropped["duckdb"]) == shard_digests(dropped["pandas"])
    assert dropped["duckdb"]["counts"]["events"] == dropped["pandas"]["counts"]["events"] == n
    assert shard_digests(dropped["duckdb"]) != shard_digests(made["duckdb"])
    for engine in ("pandas", "duckdb"):
        assert "dropped 3 rows that repeated an earlier row in every column read (drop_duplicates / " \
               "--drop-duplicates)" in dropped[engine]["notes"], dropped[engine]["notes"]
    log.to_csv(tmp_path / "once.csv", index=False)
    once = prepare(tmp_path / "once.csv", tmp_path / "o-once", engine="duckdb", test_days=1,
                   allow_empty=True)
    assert not any("repeat" in note for note in once["notes"])


def test_duckdb_refuses_to_drop_duplicates_over_fewer_columns_than_the_loader(tmp_path):
    """The loader also compares price, category, quantity and treatment, which the SQL engines do not
    read: dropping on fewer columns would drop rows the loader keeps, so it is an error naming them."""
    path = tmp_path / "sales.csv"
    path.write_text("user,item,time,price\n1,a,2024-01-01 10:00,2.0\n1,a,2024-01-01 10:00,3.0\n"
                    "1,b,2024-01-01 10:05,2.0\n")
    with pytest.raises(EventLogError, match=r"sales.csv: --drop-duplicates compares every column the loader "
                       r"reads, here 'price' too, which DuckDB and Spark do not read: pass --no-price to "
                       r"compare without it, or use --engine pandas"):
        prepare(path, tmp_path / "out", engine="duckdb", drop_duplicates=True, test_days=1)
    with pytest.raises(EventLogError, match=r"--drop-duplicates compares every column the loader reads, "
                       r"--price too, which the duckdb engine does not read: leave out that option"):
        prepare(path, tmp_path / "out", engine="duckdb", drop_duplicates=True, price="price", test_days=1)
    made = prepare(path, tmp_path / "out", engine="duckdb", drop_duplicates=True, exclude=["price"],
                   test_days=1, allow_empty=True)
    assert "dropped 1 row that repeated an earlier row in every column read (drop_duplicates / " \
           "--drop-duplicates)" in made["notes"]
    assert made["counts"]["events"] == 2
    # the head's own count (the loader's note on its first rows) is not said beside the file's
    assert sum("an earlier row" in note for note in made["notes"]) == 1, made["notes"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_duckdb_reads_day_first_times_as_the_loader_chose_on_the_head(tmp_path, suffix):
    """Times the head can only read day first (a day above 12): the loader reads them so, with a note,
    and DuckDB reads the rest of the file with the same format, so the two engines agree."""
    n = 2_000
    log = pd.DataFrame({"user": np.arange(n) % 40, "item": np.arange(n) % 9,
                        "time": pd.date_range("2024-03-01", periods=n, freq="17min").strftime("%d/%m/%Y %H:%M")})
    path = tmp_path / f"day_first{suffix}"
    log.to_csv(path, index=False) if suffix == ".csv" else log.to_parquet(path, index=False)
    made = both(path, tmp_path, rows_per_shard=500, test_days=3)
    assert isinstance(made["duckdb"], dict), made["duckdb"]
    assert shard_digests(made["pandas"]) == shard_digests(made["duckdb"])
    assert any("dates read day first" in note for note in made["duckdb"]["notes"])


def test_duckdb_reads_dates_without_separators_with_their_format(tmp_path):
    """'20240131' with --time-format '%Y%m%d' was taken for seconds since 1970 and refused by both
    engines; both now read it as the date, and agree."""
    n = 600
    log = pd.DataFrame({"user": np.arange(n) % 40, "item": np.arange(n) % 9,
                        "day": pd.date_range("2024-01-01", periods=n, freq="6h").strftime("%Y%m%d")})
    log.to_csv(tmp_path / "days.csv", index=False)
    made = both(tmp_path / "days.csv", tmp_path, rows_per_shard=200, time="day", time_format="%Y%m%d",
                test_days=20)
    assert isinstance(made["duckdb"], dict), made["duckdb"]
    assert shard_digests(made["pandas"]) == shard_digests(made["duckdb"])
    with pytest.raises(EventLogError, match="if it is a date, pass --time-format '%Y%m%d'"):
        prepare(tmp_path / "days.csv", tmp_path / "unit", engine="duckdb", time="day")
    for given, hint in (({"time_format": "%Y%m%d"}, "leave out --time-unit"),
                        ({}, "pass --time-format '%Y%m%d' (time_format=) without --time-unit")):
        for engine in ("pandas", "duckdb"):   # the unit was the user's: the hint says what to do with it
            with pytest.raises(EventLogError, match=f"if it is a date, {re.escape(hint)}"):
                prepare(tmp_path / "days.csv", tmp_path / f"unit-{engine}-{len(given)}", engine=engine,
                        time="day", time_unit="s", **given)
    # a unit beside a format reads digits as numbers, as the loader does (DuckDB crashed on it)
    seconds = log.assign(day=(pd.to_datetime(log["day"]) - pd.Timestamp("1970-01-01")) // pd.Timedelta("1s"))
    seconds.to_csv(tmp_path / "seconds.csv", index=False)
    made = both(tmp_path / "seconds.csv", tmp_path / "with_unit", rows_per_shard=200, time="day",
                time_format="%Y-%m-%d", time_unit="s", test_days=20)
    assert isinstance(made["duckdb"], dict), made["duckdb"]
    assert shard_digests(made["pandas"]) == shard_digests(made["duckdb"])
    # a column of numbers stays numbers: neither engine reads it with the format
    log.astype({"day": "int64"}).to_parquet(tmp_path / "days.parquet", index=False)
    for engine in ("pandas", "duckdb"):
        with pytest.raises(EventLogError, match="if it is a date, store the column as text: a format "
                                                "reads text, not a column of numbers"):
            prepare(tmp_path / "days.parquet", tmp_path / f"typed-{engine}", engine=engine, time="day",
                    time_format="%Y%m%d")


def test_a_date_of_eight_digits_past_the_head_gets_the_loaders_hint(tmp_path):
    """Past the 10,000 rows the loader checks, DuckDB told a user who had passed --time-format to
    pass it (the engines forget the format of a column of numbers), and named no --time-unit."""
    n = 12_000
    seconds = (pd.date_range("2024-01-01", periods=n, freq="min") - pd.Timestamp("1970-01-01")) // pd.Timedelta("1s")
    log = pd.DataFrame({"user": np.arange(n) % 40, "item": np.arange(n) % 9, "ts": seconds.to_numpy()})
    log.loc[11_000, "ts"] = 20240131
    log.to_parquet(tmp_path / "typed.parquet", index=False)
    log.to_csv(tmp_path / "text.csv", index=False)
    cases = [("typed.parquet", {"time_format": "%Y%m%d"}, "store the column as text: a format reads text"),
             ("typed.parquet", {"time_format": "%Y%m%d", "time_unit": "s"},
              "store the column as text without --time-unit: a format reads text"),
             ("text.csv", {"time_unit": "s"}, "pass --time-format '%Y%m%d' (time_format=) without --time-unit"),
             ("text.csv", {"time_format": "%Y%m%d", "time_unit": "s"}, "leave out --time-unit")]
    for i, (name, given, hint) in enumerate(cases):
        said = []
        for engine in ("pandas", "duckdb"):
            with pytest.raises(EventLogError) as err:
                prepare(tmp_path / name, tmp_path / f"o{i}{engine}", engine=engine, time="ts", **given)
            said.append(str(err.value))
        assert said[0] == said[1], said
        assert f"'20240131' is not a plausible time in s since 1970 (check --time-unit; if it is a date, {hint}" in said[0]


def test_the_head_is_checked_by_the_loader_itself(tmp_path):
    """A misspelt column: the loader's own message, naming the original file."""
    pd.DataFrame({"user": [1, 2], "item": [3, 4], "when": ["2024-01-01", "2024-01-02"]}).to_csv(
        tmp_path / "log.csv", index=False)
    messages = []
    for engine in ("pandas", "duckdb"):
        with pytest.raises(EventLogError) as err:
            prepare(tmp_path / "log.csv", tmp_path / "o", engine=engine, time="whn")
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"{tmp_path / 'log.csv'}, column 'whn': not found")


# --------------------------------------------------------------------------- #
# the chunked generator (100M events for the benchmark)

def test_prepare_refuses_a_cut_that_leaves_nothing_to_train_or_test(tmp_path):
    """A test window longer than the log wrote a folder of 0 windows and 0 prefixes (exit 0), on
    which next-item --prepared then crashed; --test-days 0 and --max-len 0 were tracebacks."""
    path = tmp_path / "two_users.csv"
    path.write_text("user,item,time\n1,a,2024-01-01 10:00\n1,b,2024-01-01 10:01\n"
                    "2,a,2024-01-03 10:00\n2,b,2024-01-03 10:01\n")
    for engine in ("pandas", "duckdb"):
        out = run_cli("prepare", path, "--engine", engine, "--test-days", "100", "--out", tmp_path / "o")
        assert out.returncode == 2, out.stderr
        assert out.stderr.startswith(f"course-lib: error: {path}: too little data for next-item training "
                                     "and testing: cut at 2023-09-25T10:01:00, 0 training windows from "
                                     "0 sessions and 0 test prefixes from 0 sessions"), out.stderr
        assert out.stderr.rstrip().endswith("no event comes before the cut: the log spans no more than "
                                            "--test-days 100, so no day is left to train on")
    for option, said in (("--test-days=0", "--test-days must be positive, got 0"),
                         ("--max-len=0", "--max-len must be a whole number of at least 1, got 0")):
        out = run_cli("prepare", path, option, "--out", tmp_path / "o")
        assert (out.returncode, out.stderr) == (2, f"course-lib: error: {said}\n")
    prepare(path, tmp_path / "empty", test_days=100, allow_empty=True)   # as an older version wrote
    out = run_cli("next-item", "--prepared", tmp_path / "empty", "--models", "pop", "--out", tmp_path / "r")
    assert out.returncode == 2 and out.stderr.startswith(
        f"course-lib: error: {tmp_path / 'empty'}: too little data for next-item training and testing: "
        "cut at 2023-09-25T10:01:00, 0 training windows"), out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "two_users.csv"]


def test_prepare_says_1_session_not_1_sessions(tmp_path):
    """On a log this small every count is 1: each engine's progress lines and the command's summary
    say "1 session", "1 window", never "1 sessions" (the loader's notes already agree)."""
    path = tmp_path / "two_users.csv"
    path.write_text("user,item,time\n1,a,2024-01-01 10:00\n1,b,2024-01-01 10:01\n"
                    "2,a,2024-01-03 10:00\n2,b,2024-01-03 10:01\n")
    wrong = re.compile(r"(?<![\d,])1 (\w+ )?(events|rows|sessions|windows|prefixes|items|shards)\b")
    for engine in ("pandas", "duckdb"):
        lines = []
        prepare(path, tmp_path / engine, engine=engine, test_days=1, log=lines.append)
        said = "\n".join(lines)
        assert "1 session" in said and not wrong.search(said), (engine, said)
    out = run_cli("prepare", path, "--out", tmp_path / "cli", "--test-days", "1")
    assert out.returncode == 0, out.stderr
    assert "1 training session -> 1 window, 1 test session -> 1 prefix, 2 items" in out.stdout, out.stdout
    assert not wrong.search(out.stdout), out.stdout
    described = [PreparedData(tmp_path / "cli").describe(),
                 next_item_split(load_events(path), test_days=1).describe()]
    assert "1 training session (1 window), 1 test session (1 prediction), 2 items; 0 test events" \
        in described[0], described
    assert "1 training session, 1 test session (1 prediction), 2 items; 0 test events" in described[1]
    assert not any(wrong.search(text) for text in described), described


def test_duckdb_reads_spreadsheet_exports_as_pandas_does(tmp_path):
    """The engines name a CSV's columns as the loader does (trimmed, a BOM dropped, an empty name
    by position), and DuckDB refuses an encoding it cannot read in one sentence."""
    from test_own_data import EXPORTS

    for i, text in enumerate(EXPORTS.values()):
        (tmp_path / f"e{i}.csv").write_bytes(text.encode("utf-8"))
        made = both(tmp_path / f"e{i}.csv", tmp_path / f"o{i}", test_days=1)
        assert not isinstance(made["duckdb"], str), made
        assert shard_digests(made["duckdb"]) == shard_digests(made["pandas"])
    (tmp_path / "cp.csv").write_bytes("user_id,item_id,ts\n1,café,2024-01-01 10:00\n".encode("cp1252"))
    with pytest.raises(EventLogError, match=r"cp\.csv: DuckDB reads CSV files in UTF-8, UTF-16 or "
                                            r"latin-1, not cp1252: use --engine pandas"):
        prepare(tmp_path / "cp.csv", tmp_path / "o-cp", engine="duckdb", encoding="cp1252")


def test_duckdb_reads_names_with_backslashes_or_differing_only_in_case(tmp_path):
    """DuckDB crashed on a column name with a backslash and on two names equal but for case (it
    does not tell them apart); pandas read both. Such a mapped column is refused in one sentence."""
    rows = "".join(f"{i % 5},{i % 7},2024-01-01 10:{i:02d}:00,x,y\n" for i in range(40))
    for name, header in (("slash", "user,item,time,a\\b,c"), ("case", "user,item,time,note,Note")):
        (tmp_path / f"{name}.csv").write_text(header + "\n" + rows)
        made = both(tmp_path / f"{name}.csv", tmp_path / f"o-{name}", test_days=0.01)
        assert not isinstance(made["duckdb"], str), made
        assert shard_digests(made["duckdb"]) == shard_digests(made["pandas"])
    (tmp_path / "item.csv").write_text("user,Item,time,item\n" + rows.replace(",x,y", ",x"))
    with pytest.raises(EventLogError, match=r"item\.csv, column 'item': columns 'Item' and 'item' "
                                            r"differ only in case.*--engine pandas"):
        prepare(tmp_path / "item.csv", tmp_path / "o-item", engine="duckdb", item="item")


def test_duckdb_reads_latin_1_by_any_of_its_names(tmp_path):
    (tmp_path / "l.csv").write_bytes("user,item,time\n1,café,2024-01-01 10:00\n1,thé,2024-01-01 "
                                     "10:05\n".encode("latin-1"))
    for name in ("latin-1", "latin1", "iso-8859-1", "ISO8859_1"):
        made = both(tmp_path / "l.csv", tmp_path / f"o-{name}", test_days=0.001, encoding=name)
        assert shard_digests(made["duckdb"]) == shard_digests(made["pandas"]), (name, made)


def test_duckdb_names_a_time_that_does_not_parse_beyond_the_head_as_pandas_does(tmp_path):
    """In a file whose times carry a UTC offset, 'n/a' past the head was said to have "no UTC
    offset": the check of offsets ran before the check that every time parses."""
    lines = ["user,item,time"] + [f"{i % 5},{i % 7},2024-01-01 {10 + i // 3600:02d}:{i // 60 % 60:02d}:"
                                  f"{i % 60:02d}+01:00" for i in range(12_000)]
    lines[11_500] = "1,2,n/a"
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(EventLogError, match=r"column 'time', line 11501: cannot parse 'n/a' as an ISO 8601"):
        prepare(tmp_path / "t.csv", tmp_path / "o", engine="duckdb")


@pytest.mark.parametrize("bad, said", [("1,2,n/a,x", "column 'time', line 11504: cannot parse 'n/a'"),
                                       ("1,2", "line 11504: 2 fields where the header has 4")])
def test_duckdb_names_the_files_line_after_blank_lines_and_fields_that_span_lines(tmp_path, bad, said):
    """DuckDB numbers records (its checks named line 11501 here) or counts lines its own way (its
    CSV errors named 11503); the loader names the file's line, 11504, and now so does DuckDB."""
    lines = ["user,item,time,note"] + [f"{i % 5},{i % 7},2024-01-01 {10 + i // 3600:02d}:{i // 60 % 60:02d}:"
                                       f"{i % 60:02d},x" for i in range(12_000)]
    lines[11_500] = bad
    lines[100:100] = ["", ""]
    lines[50] = '1,2,2024-01-01 10:00:50,"two\nlines"'
    (tmp_path / "b.csv").write_text("\n".join(lines) + "\n")
    for engine in ("pandas", "duckdb"):
        with pytest.raises(EventLogError, match=re.escape(f"b.csv, {said}")):
            prepare(tmp_path / "b.csv", tmp_path / f"o-{engine}", engine=engine)


def test_duckdb_keeps_its_reason_for_a_line_it_cannot_read():
    from course_lib.prep.engines.duckdb_engine import csv_error

    message = ("Invalid Input Error: CSV Error on Line: 11501\nOriginal Line: 1,\"a\"b,2024-01-01\n"
               "Value with unterminated quote found.\n\nPossible fixes:\n* Disable the parser's strict mode")
    assert str(csv_error("q.csv", message)) == (
        "q.csv, line 11501: DuckDB cannot read this line (Value with unterminated quote found): "
        "'1,\"a\"b,2024-01-01' (--engine pandas checks every line and names each problem)")


def malformed_beyond_the_head(tmp_path: Path) -> dict:
    """CSV files with one malformed line past the loader's 10,000 (test_engines_spark uses them)."""
    n = 12_000
    lines = pd.DataFrame({"user": np.arange(n) % 50, "item": np.arange(n) % 7, "time": pd.date_range(
        "2024-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M:%S")}).to_csv(index=False).splitlines()
    files = {}
    for name, line in (("short", "1,2"), ("quote", '1,"2,2024-01-09 10:00:00'),
                       ("bytes", "1,\udcff,2024-01-09 10:00:00")):
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_bytes("\n".join(lines[:11_001] + [line] + lines[11_001:]).encode(
            "utf-8", "surrogateescape"))
    return files


def cut_off_gzip(tmp_path: Path, share: float, n: int = 12_000) -> tuple[Path, int]:
    """A gzip CSV log cut off at ``share`` of its bytes (1: whole), and the number of whole lines
    before the break (test_engines_spark uses it)."""
    import gzip

    log = pd.DataFrame({"user": np.arange(n) % 50, "item": np.arange(n) % 7, "time": pd.date_range(
        "2024-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M:%S")})
    data = gzip.compress(log.to_csv(index=False).encode())
    path = tmp_path / f"cut-{share}.csv.gz"
    path.write_bytes(data[:int(len(data) * share)])
    lines = 0
    with gzip.open(path, "rb") as fh:
        try:
            for lines, _ in enumerate(fh, start=1):
                pass
        except EOFError:
            assert share < 1
        else:
            assert share == 1
    return path, lines


def test_a_gzip_file_cut_off_is_one_sentence_with_duckdb(tmp_path):
    """A download cut off: DuckDB gave a traceback, EOFError where the break fell in the head the
    loader checks, "IO Error: Unexpected end of GZIP stream" and its SQL past it."""
    for share in (0.05, 0.95):   # a break within the first 10,000 lines, and past them
        path, lines = cut_off_gzip(tmp_path, share)
        assert (lines < 10_000) == (share < 0.5)
        with pytest.raises(EventLogError, match=rf"{path.name}: the compressed file ends early, after "
                                                rf"line {lines:,} \(was a download or copy cut off\?\)"):
            prepare(path, tmp_path / f"o-{share}", engine="duckdb")
        assert not (tmp_path / f"o-{share}").exists()
    # 40 damaged bytes decode to garbage: DuckDB called it "1 fields where the header has 3"
    whole, _ = cut_off_gzip(tmp_path, 1.0)   # nothing cut off
    for where in (0.05, 0.5):
        data = bytearray(whole.read_bytes())
        start = int(len(data) * where)
        data[start:start + 40] = bytes(b ^ 0x5A for b in data[start:start + 40])
        damaged = tmp_path / f"damaged-{where}.csv.gz"
        damaged.write_bytes(bytes(data))
        with pytest.raises(EventLogError, match=rf"{damaged.name}: the compressed file is damaged"):
            prepare(damaged, tmp_path / f"d-{where}", engine="duckdb")


def test_duckdb_names_a_malformed_line_beyond_the_head_in_the_loaders_words(tmp_path):
    """DuckDB's CSV errors suggested its own options (null_padding, ignore_errors) in a traceback;
    they are now the loader's sentence, with the line."""
    said = {"short": "line 11002: 2 fields where the header has 3: '1,2'",
            "quote": "line 11002: a quoted field opened on this line is never closed",
            "bytes": "line 11002: not valid UTF-8; save the file as UTF-8 or pass --encoding latin-1"}
    for name, path in malformed_beyond_the_head(tmp_path).items():
        with pytest.raises(EventLogError) as err:
            prepare(path, tmp_path / f"o-{name}", engine="duckdb")
        assert str(err.value).startswith(f"{path}, {said[name]}"), str(err.value)
        assert str(err.value).endswith("(--engine pandas checks every line and names each problem)")


def test_sigterm_during_a_duckdb_query_is_an_interruption_not_a_traceback(tmp_path, monkeypatch):
    """DuckDB turns a signal during a query into "RuntimeError: Query interrupted"; the command
    line then printed a traceback. It is an interruption again: exit code 143, nothing written."""
    import signal
    import threading

    import course_lib.prep.engines as engines

    def a_long_query(runner, *args, **kwargs):   # the signal arrives while DuckDB works
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()
        runner.rows("SELECT SUM(i * i % 7) FROM range(20000000000) t(i)")
        raise AssertionError("the query was not interrupted")

    monkeypatch.setattr(engines, "prepare_with_sql", a_long_query)
    (tmp_path / "e.csv").write_text("user,item,time\n1,a,2024-01-01 10:00\n1,b,2024-01-01 10:01\n")
    before = signal.getsignal(signal.SIGTERM)
    try:
        result = run_cli("prepare", tmp_path / "e.csv", "--engine", "duckdb", "--out", tmp_path / "o")
    finally:
        signal.signal(signal.SIGTERM, before)
    assert result.returncode == 143, result.stderr
    assert result.stderr.endswith(f"course-lib: interrupted; nothing written to {tmp_path / 'o'}\n")
    assert sorted(os.listdir(tmp_path)) == ["e.csv"]


def test_duckdb_reads_microsecond_and_nanosecond_times_as_pandas_does(tmp_path):
    n = 400
    seconds = 1_704_103_200 + np.arange(n) * 60
    for unit, per_second in (("us", 10**6), ("ns", 10**9)):
        log = pd.DataFrame({"user": np.arange(n) % 5, "item": np.arange(n) % 7, "ts": seconds * per_second})
        log.to_csv(tmp_path / f"{unit}.csv", index=False)
        log.to_parquet(tmp_path / f"{unit}.parquet", index=False)
        for suffix in (".csv", ".parquet"):
            made = both(tmp_path / f"{unit}{suffix}", tmp_path / f"o-{unit}{suffix}", test_days=0.1)
            assert shard_digests(made["duckdb"]) == shard_digests(made["pandas"]), made
            assert made["duckdb"]["cut"] == made["pandas"]["cut"]
            said = {"us": "microseconds", "ns": "nanoseconds"}[unit]
            assert f"ts: numbers read as {said} since 1970 (pass time_unit= / --time-unit to " \
                   "choose)" in made["duckdb"]["notes"], made["duckdb"]["notes"]


def test_shop_event_chunks_are_one_shop_with_disjoint_users():
    chunks = [events for _, events in shop_event_chunks(60_000, chunk_events=20_000, seed=3)]
    assert len(chunks) == 3
    users = [set(c["user_id"]) for c in chunks]
    sessions = [set(c["session_id"]) for c in chunks]
    assert not users[0] & users[1] and not users[1] & users[2] and not users[0] & users[2]
    assert not sessions[0] & sessions[1] and not sessions[1] & sessions[2]
    prices = pd.concat(chunks).groupby("item_id")["price"].nunique()
    assert (prices == 1).all()  # one catalogue: an item has one price in every chunk
    assert 45_000 < sum(map(len, chunks)) < 75_000
    again = next(shop_event_chunks(60_000, chunk_events=20_000, seed=3))[1]
    pd.testing.assert_frame_equal(again, chunks[0])


def test_a_memory_limit_is_read_as_each_engine_writes_it(tmp_path):
    """'3XB' was DuckDB's ParserException in a traceback, after the head was read, and '0GB' (or
    too little for the file) its OutOfMemoryException; Spark was given '4gib' or '1.5g', which
    its JVM cannot start with."""
    from course_lib.prep.engines import BadEngineOption
    from course_lib.prep.engines.names import memory_limit

    assert [memory_limit(t, "duckdb") for t in ("3GB", "3 gb", "4GiB", "500m", "1.5GB", "1.5GiB")] == [
        "3GB", "3GB", "4GiB", "500MB", "1500MB", "1536MiB"]
    assert [memory_limit(t, "spark") for t in ("3GB", "4GiB", "500m", "1.5g")] == ["3g", "4g", "500m", "1500m"]
    assert memory_limit(None, "duckdb") is None and memory_limit("3XB", "pandas") == "3XB"   # pandas ignores it
    for text in ("3XB", "3", "GB", "-1GB"):
        with pytest.raises(BadEngineOption, match=rf"--memory-limit \(memory_limit=\) '{re.escape(text)}' is not a size"):
            memory_limit(text, "duckdb")
    with pytest.raises(BadEngineOption, match=r"'0GB' must be more than 0"):
        memory_limit("0GB", "spark")
    n = 50_000
    pd.DataFrame({"user": np.arange(n) % 500, "item": np.arange(n) % 97, "time": pd.date_range(
        "2024-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M:%S")}).to_csv(tmp_path / "e.csv", index=False)
    with pytest.raises(BadEngineOption, match=r"DuckDB needs more memory than --memory-limit \(memory_limit=\) "
                                              r"gives it \(1MB\): raise it"):
        prepare(tmp_path / "e.csv", tmp_path / "o", engine="duckdb", memory_limit="1MB")
    assert not (tmp_path / "o").exists()


def test_too_little_data_names_its_cause_in_both_engines(tmp_path):
    """prepare said "try another --test-days" of a log shorter than the test window (where it is
    the cause) and of a log of one-event sessions (where no --test-days helps)."""
    n = 600
    short = pd.DataFrame({"user": np.arange(n) % 60, "item": np.arange(n) % 17,
                          "time": pd.date_range("2024-01-01", periods=n, freq="10min")})   # 4.2 days
    single = short.assign(user=np.arange(n), time=pd.date_range("2024-01-01", periods=n, freq="2h"))
    for name, log, said in (("short", short, "no event comes before the cut: the log spans no more than "
                                             "--test-days 7, so no day is left to train on"),
                            ("single", single, "no session before the cut has two events, and a next "
                                               "item needs two (check --session")):
        log.to_csv(tmp_path / f"{name}.csv", index=False)
        for engine in ("pandas", "duckdb"):
            with pytest.raises(EventLogError, match=re.escape(said)):
                prepare(tmp_path / f"{name}.csv", tmp_path / f"{name}-{engine}", engine=engine)


def test_an_edited_manifest_is_one_sentence_not_a_traceback_or_a_wrong_result(shop_files, tmp_path):
    """A manifest without 'shards' was KeyError, one with 10 items for 50 a scipy IndexError, and
    one with max_len 5 for shards of 10 was read as prefixes of 5, silently (another result); a
    version "1" said "version 1, this course-lib reads version 1"."""
    import json
    import shutil

    prepare(shop_files["parquet"], tmp_path / "p", test_days=14, session="visit", **MAPPING)
    PreparedData(tmp_path / "p")
    n_items = json.loads((tmp_path / "p" / "manifest.json").read_text())["vocabulary"]["items"]
    edits = {"no shards": (lambda m: m.pop("shards"), "manifest.json is incomplete or was edited (KeyError: 'shards')"),
             "items": (lambda m: m["vocabulary"].update(items=10),
                       f"manifest.json says 10 items, its vocabulary holds {n_items:,}: the manifest was edited"),
             "max_len": (lambda m: m["settings"].update(max_len=5),
                         "manifest.json says max_len 5, its shards hold prefixes of 10: the manifest was edited"),
             "version": (lambda m: m.update(version="1"), "prepared by format version '1', this course-lib reads version 1"),
             "no version": (lambda m: m.pop("version"), "manifest.json has no format version")}
    for name, (edit, said) in edits.items():
        folder = tmp_path / name.replace(" ", "_")
        shutil.copytree(tmp_path / "p", folder)
        manifest = json.loads((folder / "manifest.json").read_text())
        edit(manifest)
        (folder / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(NotPreparedError, match=re.escape(said)):
            PreparedData(folder)
